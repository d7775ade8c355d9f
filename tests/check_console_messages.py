#!/usr/bin/python3
"""The console's message catalogue (serve/console/messages.json) against the
page: English and Japanese have the same keys, every key the page uses is
there (data-i18n in index.html, t("...") in console.js, and t("prefix." + x)
for every x the API can send: condition types, show statuses, plan actions),
no key goes unused, and no text is written into the page logic.
Usage: check_console_messages.py SOURCE_DIR"""
import json
import os
import re
import sys

source = sys.argv[1]
console = os.path.join(source, "serve", "console")
catalogue = json.load(open(os.path.join(console, "messages.json")))
html = open(os.path.join(console, "index.html")).read()
script = open(os.path.join(console, "console.js")).read()
specs = os.path.join(source, "specs")
problems = []

languages = sorted(catalogue)
if languages != ["en", "ja"]:
    problems.append(f"the catalogue has {languages}, not English and Japanese")
for language in languages:
    for missing in sorted(set(catalogue["en"]) - set(catalogue[language])):
        problems.append(f"{language} lacks '{missing}'")
    for extra in sorted(set(catalogue[language]) - set(catalogue["en"])):
        problems.append(f"{language} has '{extra}', which English has not")
    for key, text in catalogue[language].items():
        if set(re.findall(r"\{(\w+)\}", text)) != set(re.findall(r"\{(\w+)\}", catalogue["en"].get(key, text))):
            problems.append(f"{language} '{key}' names other placeholders than English")

used = set(re.findall(r'data-i18n="([^"]+)"', html))
used |= set(re.findall(r'\bt\("([^"]+)"[,)]', script))
# Keys made from what the server sends: every value it can send needs one.
watch = json.load(open(os.path.join(specs, "watch-status.schema.json")))
conditions = watch["properties"]["conditions"]["items"]["properties"]["type"]["enum"] + ["Reconciling", "NotReady"]
show = json.load(open(os.path.join(specs, "show.schema.json")))
statuses = show["properties"]["resources"]["items"]["properties"]["status"]["enum"]
plan = json.load(open(os.path.join(specs, "plan.schema.json")))
actions = plan["definitions"]["change"]["properties"]["action"]["enum"]
dynamic = {"condition.": conditions, "status.": statuses, "action.": actions,
           "accepted.": ["sync", "suspend", "resume"], "progress.": ["started", "finished"]}
for prefix in re.findall(r'\bt\("([a-z]+\.)" \+', script):
    if prefix not in dynamic:
        problems.append(f"console.js makes keys with '{prefix}', which this check does not know")
    else:
        used |= {prefix + value for value in dynamic[prefix]}
for key in sorted(used - set(catalogue["en"])):
    problems.append(f"the page uses '{key}', which the catalogue has not")
for key in sorted(set(catalogue["en"]) - used):
    problems.append(f"the catalogue has '{key}', which the page does not use")

# Text in the page is the catalogue's: no words in the markup, none put into
# the page from string literals in the script.
for words in re.findall(r">([^<>]*[A-Za-z][^<>]*)<", html):
    if words.strip() and words.strip() != "vdc":
        problems.append(f"index.html holds the text '{words.strip()}'")
for literal in re.findall(r'(?:textContent\s*=|append\()\s*"([^"]*[A-Za-z][^"]*)"', script):
    problems.append(f"console.js writes the text '{literal}' into the page")

if problems:
    sys.exit("\n".join(problems))
print(f"{len(catalogue['en'])} messages in English and Japanese, each used by the console")
