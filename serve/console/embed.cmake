# Writes OUTPUT, a C++ source holding each of FILES (under SOURCE) as bytes:
# the console is served from the binary, with nothing to install beside it.
#   cmake -DSOURCE=dir -DOUTPUT=file.cc -DFILES=a,b -P embed.cmake
string(REPLACE "," ";" FILES "${FILES}")
set(entries "")
set(arrays "")
set(index 0)
foreach(name IN LISTS FILES)
  file(READ "${SOURCE}/${name}" bytes HEX)
  string(LENGTH "${bytes}" hexLength)
  math(EXPR length "${hexLength} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${bytes}")
  string(APPEND arrays "const char file${index}[] = {${bytes}};\n")
  string(APPEND entries "    {\"${name}\", std::string_view(file${index}, ${length})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.new" "// Made by serve/console/embed.cmake from serve/console/: do not edit.
#include \"serve/console.h\"

namespace vdc::serve {
namespace {
${arrays}}  // namespace

const std::map<std::string_view, std::string_view>& consoleFiles() {
  static const std::map<std::string_view, std::string_view> files = {
${entries}  };
  return files;
}

}  // namespace vdc::serve
")
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
