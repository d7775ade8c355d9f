// One table of statuses for every route: what an operation throws is the
// same problem wherever it is thrown.
#include "serve/problem.h"

#include <gtest/gtest.h>

#include "operations/failure.h"

namespace vdc::serve {

namespace {

using operations::Failure;
using operations::FailureKind;

TEST(Problem, AFailureIsTheCallersWithItsKindsStatus) {
  EXPECT_EQ(problemOf(Failure(FailureKind::Invalid, "bad")).status, 422);
  EXPECT_EQ(problemOf(Failure(FailureKind::Refused, "no room")).status, 422);
  EXPECT_EQ(problemOf(Failure(FailureKind::Locked, "held")).status, 409);
  Problem stale = problemOf(Failure(FailureKind::Stale, "the saved plan is stale"));
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.detail, "the saved plan is stale");
  EXPECT_EQ(stale.result, "refused");
}

TEST(Problem, AFailuresFilesAreNamedAsInTheRepository) {
  Diagnostics problems;
  problems.add({"/srv/state/rev/vdc/web.yaml", 3, 5}, "unknown field");
  Problem found = problemOf(Failure(FailureKind::Invalid, problems, "1 error"), "/srv/state/rev");
  EXPECT_EQ(found.detail, "vdc/web.yaml:3:5: unknown field\n1 error");
}

TEST(Problem, TheServersOwnErrorsTellNothingOfItsFiles) {
  Problem transient = problemOf(Error("libvirtd at /run/secret.sock went away", 38, true));
  EXPECT_EQ(transient.status, 503);
  EXPECT_EQ(transient.result, "failed");
  Problem other = problemOf(std::runtime_error("cannot open /srv/state/x"));
  EXPECT_EQ(other.status, 500);
  EXPECT_EQ(other.detail.find("/srv"), std::string::npos);
  EXPECT_EQ(problemOf(Error("no such pool")).status, 500);
}

TEST(Problem, EachStatusHasOneTitle) {
  Response res;
  problem(res, 409, "held");
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(Json::parse(res.body)["title"], "Conflict");
  EXPECT_STREQ(titleOf(422), "Unprocessable Content");
  EXPECT_STREQ(titleOf(503), "Service Unavailable");
  EXPECT_STREQ(titleOf(500), "Internal Server Error");
}

}  // namespace

}  // namespace vdc::serve
