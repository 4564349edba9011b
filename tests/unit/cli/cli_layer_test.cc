// The CLI layer directly (src/cli): wirt::cli::main in-process on throwaway apps — exit codes
// and what goes to stdout / stderr (DESIGN §1.6). tests/cli/run.sh checks the same contract
// through the built binary; these pin it at the function boundary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../app/temp_app.h"
#include "cli/cli.h"

namespace wirt::cli {
namespace {

namespace fs = std::filesystem;

// An app folder; dir() as the string `-a` takes.
class App : public wirt::testing::TempApp {
 public:
  using TempApp::TempApp;
  std::string dir() const { return TempApp::dir().string(); }
};

struct Outcome {
  int code;
  std::string out, err;
};

Outcome run(std::vector<std::string> words, bool quiet = true) {
  if (quiet) words.insert(words.begin(), {"--log-level", "off"});
  words.insert(words.begin(), "wirt");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int code = main(static_cast<int>(words.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  Outcome o{code, ::testing::internal::GetCapturedStdout(), ::testing::internal::GetCapturedStderr()};
  return o;
}

const char* kApp = R"(namespace: t
entries:
  - {name: add, kind: function.lua, method: f, source: "return {f=function(a, b) return a + b end}"}
  - {name: echo, kind: function.lua, method: f, source: "return {f=function(v) return v end}"}
  - {name: boom, kind: function.lua, method: f, source: "return {f=function() error(errors.new({kind='NotFound', message='gone'})) end}"}
  - {name: t_ok, kind: function.lua, method: f, meta: {type: test}, source: "return {f=function() end}"}
  - {name: t_bad, kind: function.lua, method: f, meta: {type: test}, source: "return {f=function() error('nope') end}"}
)";

TEST(Cli, CallPrintsTheResultAsJson) {
  App app(kApp);
  auto o = run({"call", "-a", app.dir(), "t:add", "2", "40"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "42\n");
  // An argument that does not parse as JSON is a string.
  o = run({"call", "-a", app.dir(), "t:echo", "hello world"});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "\"hello world\"\n");
  o = run({"call", "-a", app.dir(), "t:echo", R"({"a":[1,true]})"});
  EXPECT_EQ(o.out, "{\"a\":[1,true]}\n");
}

TEST(Cli, CallErrorsGoToStderrWithTheirKindAndExit1) {
  App app(kApp);
  auto o = run({"call", "-a", app.dir(), "t:boom"});
  EXPECT_EQ(o.code, 1);
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("error [NotFound]: gone"), std::string::npos) << o.err;
  o = run({"call", "-a", app.dir(), "t:nothing"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("error ["), std::string::npos) << o.err;
}

TEST(Cli, TestEndsWithTheCountsAndFailsWhenOneFails) {
  App app(kApp);
  auto o = run({"test", "-a", app.dir()});
  EXPECT_EQ(o.code, 1);
  ASSERT_FALSE(o.out.empty());
  std::string last = o.out.substr(o.out.rfind('\n', o.out.size() - 2) + 1);
  EXPECT_EQ(last, "1 passed, 1 failed\n") << o.out;
}

TEST(Cli, CheckListsEveryProblem) {
  App good(kApp);
  EXPECT_EQ(run({"check", "-a", good.dir()}).code, 0);
  App bad(R"(namespace: t
entries:
  - {name: a, kind: function.lua, source: "return {}"}
  - {name: b, kind: function.lua, method: f, source: "return {f=function() end}", modules: [nope]}
)");
  auto o = run({"check", "-a", bad.dir()});
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.err.find("t:a"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("t:b"), std::string::npos) << o.err;
}

TEST(Cli, UsageErrorsExit2) {
  EXPECT_EQ(run({"--log-level", "loud", "check"}, /*quiet=*/false).code, 2);
  EXPECT_NE(run({"no-such-command"}).code, 0);
}

}  // namespace
}  // namespace wirt::cli
