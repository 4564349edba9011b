#include "registry/loader.h"

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "temp_app.h"

namespace wirt::registry {
namespace {

namespace fs = std::filesystem;
using testing::TempApp;

const Entry* find_entry(const LoadReport& r, std::string_view id) {
  for (const Entry& e : r.entries) {
    if (e.id.str() == id) return &e;
  }
  return nullptr;
}

std::string all_errors(const LoadReport& r) {
  std::string out;
  for (const core::Error& e : r.errors) out += e.message() + "\n";
  return out;
}

std::vector<std::string> ids(const LoadReport& r) {
  std::vector<std::string> out;
  for (const Entry& e : r.entries) out.push_back(e.id.str());
  return out;
}

// ---- find_app ---------------------------------------------------------------------------

TEST(FindApp, LockFileDirectoriesSrc) {
  TempApp app;
  app.write("wippy.lock", "directories:\n  modules: .wippy\n  src: ./code\n");
  app.write("code/_index.yaml", "namespace: app\n");
  app.write("src/_index.yaml", "namespace: wrong\n");
  auto paths = find_app(app.dir());
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(paths->root, fs::canonical(app.dir()));
  EXPECT_EQ(paths->src, fs::canonical(app.dir() / "code"));
}

TEST(FindApp, LockFileWithoutSrcDefaultsToSrc) {
  TempApp app;
  app.write("wippy.lock", "directories:\n  modules: .wippy\n");
  app.write("src/a.yaml", "namespace: app\n");
  auto paths = find_app(app.dir());
  ASSERT_TRUE(paths.ok()) << paths.error().message();
  EXPECT_EQ(paths->src, fs::canonical(app.dir() / "src"));
}

TEST(FindApp, LockFileNamingMissingSrcIsNotFound) {
  TempApp app;
  app.write("wippy.lock", "directories: {src: ./nowhere}\n");
  auto paths = find_app(app.dir());
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().kind(), core::ErrorKind::NotFound);
  EXPECT_NE(paths.error().message().find("nowhere"), std::string::npos) << paths.error().message();
}

TEST(FindApp, BrokenLockFileIsAnError) {
  TempApp app;
  app.write("wippy.lock", "directories: [\n");
  auto paths = find_app(app.dir());
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().message().rfind("wippy.lock:", 0), 0u) << paths.error().message();
}

TEST(FindApp, SrcFolderFallback) {
  TempApp app;
  app.write("src/_index.yaml", "namespace: app\n");
  auto paths = find_app(app.dir());
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->src, fs::canonical(app.dir() / "src"));
}

TEST(FindApp, FolderItselfFallback) {
  TempApp app;
  app.write("_index.yaml", "namespace: app\n");
  auto paths = find_app(app.dir());
  ASSERT_TRUE(paths.ok());
  EXPECT_EQ(paths->src, fs::canonical(app.dir()));
  EXPECT_EQ(paths->root, fs::canonical(app.dir()));
}

TEST(FindApp, MissingFolderIsNotFound) {
  TempApp app;
  auto paths = find_app(app.dir() / "missing");
  ASSERT_FALSE(paths.ok());
  EXPECT_EQ(paths.error().kind(), core::ErrorKind::NotFound);
  EXPECT_NE(paths.error().message().find("missing"), std::string::npos);
  LoadReport r = load_app(app.dir() / "missing");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(r.entries.empty());
}

// ---- walking ------------------------------------------------------------------------------

TEST(LoadApp, RecursesInSortedOrderAndSkipsNonEntryFiles) {
  TempApp app;
  app.write("src/b/_index.yaml", "namespace: b\nentries:\n  - {name: one, kind: k}\n");
  app.write("src/a/deep/x.yml", "namespace: a.deep\nname: two\nkind: k\n");
  app.write("src/a/z.json", R"({"namespace": "a", "entries": [{"name": "three", "kind": "k"}]})");
  app.write("src/package.json", R"({"name": "not-an-entry-file", "version": "1.0.0"})");
  app.write("src/ci.yaml", "jobs: {build: {runs-on: ubuntu}}\n");
  app.write("src/notes.txt", "namespace: ignored\n");
  app.write("src/node_modules/m/_index.yaml", "namespace: nm\nname: bad\nkind: k\n");
  app.write("src/.hidden/_index.yaml", "namespace: hidden\nname: bad\nkind: k\n");
  LoadReport r = load_app(app.dir());
  EXPECT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"a.deep:two", "a:three", "b:one"}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(LoadApp, UsesLockFileSrc) {
  TempApp app;
  app.write("wippy.lock", "directories: {src: ./code}\n");
  app.write("code/_index.yaml", "namespace: app\nname: in_code\nkind: k\n");
  app.write("src/_index.yaml", "namespace: app\nname: in_src\nkind: k\n");
  LoadReport r = load_app(app.dir());
  EXPECT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"app:in_code"}));
  EXPECT_EQ(r.entries[0].pos.file, "code/_index.yaml");
}

// ---- file format --------------------------------------------------------------------------

TEST(LoadApp, BatchFormFlatDataAndPositions) {
  TempApp app;
  app.write("src/_index.yaml", R"(version: "1.0"
namespace: app.api
entries:
  - name: get_user
    kind: function.lua
    meta: {comment: hi}
    source: code
    method: handler
    port: 8080
  - name: raw
    kind: registry.entry
    ignored: flat
    data: {any: thing}
)");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.entries.size(), 2u);
  const Entry& e = r.entries[0];
  EXPECT_EQ(e.id, (EntryId{"app.api", "get_user"}));
  EXPECT_EQ(e.kind, "function.lua");
  EXPECT_EQ(e.meta, core::Value(core::Map{{"comment", "hi"}}));
  EXPECT_EQ(e.data, core::Value(core::Map{{"source", "code"}, {"method", "handler"}, {"port", int64_t{8080}}}));
  EXPECT_EQ(e.pos.file, "src/_index.yaml");
  EXPECT_EQ(e.pos.line, 4);
  EXPECT_EQ(e.pos.column, 5);
  const Entry& raw = r.entries[1];
  EXPECT_EQ(raw.data, core::Value(core::Map{{"any", "thing"}}));
  EXPECT_EQ(raw.pos.line, 10);
}

TEST(LoadApp, SingleEntryForm) {
  TempApp app;
  app.write("src/one.yaml", R"(namespace: app
version: "2"
requirements: [x]
name: hello
kind: function.lua
meta: {tag: t}
source: print(1)
modules: [json]
)");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.entries.size(), 1u);
  const Entry& e = r.entries[0];
  EXPECT_EQ(e.id.str(), "app:hello");
  EXPECT_EQ(e.meta, core::Value(core::Map{{"tag", "t"}}));
  EXPECT_EQ(e.data, core::Value(core::Map{{"source", "print(1)"}, {"modules", core::Array{"json"}}}));
  EXPECT_EQ(e.pos.line, 1);
}

TEST(LoadApp, EmptyEntriesKeyDoesNotHideSingleForm) {
  TempApp app;
  app.write("src/one.yaml", "namespace: app\nentries:\nname: n\nkind: k\n");
  app.write("src/two.yaml", "namespace: app\nentries: []\n");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"app:n"}));
}

TEST(LoadApp, SingleEntryFormDataOverride) {
  TempApp app;
  app.write("src/one.yaml", "namespace: app\nname: n\nkind: k\nflat: 1\ndata: {inner: 2}\n");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].data, core::Value(core::Map{{"inner", int64_t{2}}}));
}

TEST(LoadApp, FileMetaMergesUnderEntryMeta) {
  TempApp app;
  app.write("src/_index.yaml", R"(namespace: app
meta: {team: core, owner: file, depends_on: [x]}
entries:
  - name: a
    kind: k
    meta: {owner: entry, extra: 1}
  - name: b
    kind: k
)");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  ASSERT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries[0].meta, core::Value(core::Map{{"team", "core"},
                                                     {"owner", "entry"},
                                                     {"depends_on", core::Array{"x"}},
                                                     {"extra", int64_t{1}}}));
  EXPECT_EQ(r.entries[1].meta, core::Value(core::Map{{"team", "core"}, {"owner", "file"}, {"depends_on", core::Array{"x"}}}));
  // File-level meta is not data.
  EXPECT_EQ(r.entries[1].data, core::Value::map());
}

TEST(LoadApp, ScalarTypingReachesEntryData) {
  TempApp app;
  app.write("src/_index.yaml", R"(namespace: app
entries:
  - name: a
    kind: k
    int: 10
    str: "10"
    flag: true
    flag_str: "true"
    ratio: 0.25
    nothing: ~
)");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const core::Value& d = r.entries.at(0).data;
  EXPECT_EQ(*d.find("int"), core::Value(int64_t{10}));
  EXPECT_EQ(*d.find("str"), core::Value("10"));
  EXPECT_EQ(*d.find("flag"), core::Value(true));
  EXPECT_EQ(*d.find("flag_str"), core::Value("true"));
  EXPECT_EQ(*d.find("ratio"), core::Value(0.25));
  ASSERT_TRUE(d.find("nothing"));
  EXPECT_TRUE(d.find("nothing")->is_nil());
}

// ---- file:// ------------------------------------------------------------------------------

TEST(FileRefs, RelativeToYamlFileAndAbsoluteFromSrc) {
  TempApp app;
  app.write("src/api/handler.lua", "return 1\n");
  app.write("src/shared/lib.lua", "return 2\n");
  app.write("src/api/_index.yaml", R"(namespace: api
meta: {doc: "file://handler.lua"}
entries:
  - name: h
    kind: function.lua
    source: file://handler.lua
    nested: {deep: [file:///shared/lib.lua]}
    not_a_ref: "see file://handler.lua"
)");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  const Entry* e = find_entry(r, "api:h");
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->data.find("source"), core::Value("return 1\n"));
  EXPECT_EQ(e->data.find_path("nested.deep")->as_array().at(0), core::Value("return 2\n"));
  EXPECT_EQ(*e->data.find("not_a_ref"), core::Value("see file://handler.lua"));
  EXPECT_EQ(*e->meta.find("doc"), core::Value("return 1\n"));
}

TEST(FileRefs, AbsoluteIsAnchoredAtSrcNotOsRoot) {
  TempApp app;
  app.write("src/etc/hostname", "inside\n");
  app.write("src/a/b/_index.yaml", "namespace: a\nname: x\nkind: k\nv: file:///etc/hostname\n");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(*r.entries.at(0).data.find("v"), core::Value("inside\n"));
}

TEST(FileRefs, DotDotEscapeIsAnError) {
  TempApp app;
  app.write("src/a/_index.yaml",
            "namespace: app\nentries:\n  - name: x\n    kind: k\n    source: file://../../../../../../../../etc/passwd\n");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message(),
            "src/a/_index.yaml:5:13: entry app:x: file:// path escapes the app folder: "
            "file://../../../../../../../../etc/passwd");
  EXPECT_EQ(find_entry(r, "app:x"), nullptr);
}

TEST(FileRefs, EscapeFromSrcIntoRootIsAllowed) {
  TempApp app;
  app.write("shared.txt", "root text");
  app.write("src/_index.yaml", "namespace: app\nname: x\nkind: k\nv: file://../shared.txt\n");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(*r.entries.at(0).data.find("v"), core::Value("root text"));
}

TEST(FileRefs, SymlinkPointingOutsideIsAnError) {
  TempApp app;
  TempApp outside;
  outside.write("secret.txt", "secret");
  app.write("src/_index.yaml", "namespace: app\nname: x\nkind: k\nv: file://link.txt\n");
  fs::create_symlink(outside.dir() / "secret.txt", app.dir() / "src" / "link.txt");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_NE(r.errors[0].message().find("entry app:x: file:// path escapes the app folder: file://link.txt"),
            std::string::npos)
      << r.errors[0].message();
  EXPECT_TRUE(r.entries.empty());
}

TEST(FileRefs, SymlinkInsideTheAppIsFine) {
  TempApp app;
  app.write("src/real.txt", "real");
  app.write("src/_index.yaml", "namespace: app\nname: x\nkind: k\nv: file://link.txt\n");
  fs::create_symlink(app.dir() / "src" / "real.txt", app.dir() / "src" / "link.txt");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(*r.entries.at(0).data.find("v"), core::Value("real"));
}

TEST(FileRefs, MissingFileIsAnErrorNamingIt) {
  TempApp app;
  app.write("src/_index.yaml", "namespace: app\nentries:\n  - name: x\n    kind: k\n    source: file://nope.lua\n");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].kind(), core::ErrorKind::NotFound);
  const std::string& msg = r.errors[0].message();
  EXPECT_EQ(msg.rfind("src/_index.yaml:5:13: entry app:x: file:// file not found: file://nope.lua", 0), 0u) << msg;
  EXPECT_TRUE(r.entries.empty());
}

// ---- errors -------------------------------------------------------------------------------

TEST(LoadErrors, YamlSyntaxErrorNamesFileLineColumn) {
  TempApp app;
  app.write("src/good.yaml", "namespace: app\nname: ok\nkind: k\n");
  app.write("src/sub/bad.yaml", "namespace: app\nentries:\n  - name: x\n   kind: k\n");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  const std::string& msg = r.errors[0].message();
  EXPECT_EQ(msg.rfind("src/sub/bad.yaml:4:", 0), 0u) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
  // The good file still loads, so tools can show everything at once.
  EXPECT_NE(find_entry(r, "app:ok"), nullptr);
}

TEST(LoadErrors, MissingNameAndKindUseReferenceTexts) {
  TempApp app;
  app.write("src/_index.yaml", R"(namespace: app
entries:
  - kind: k
  - name: nokind
  - name: ""
    kind: k
  - name: fine
    kind: k
)");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 3u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message(), "src/_index.yaml:3:5: entry[0].name: name is required and must be a non-empty string");
  EXPECT_EQ(r.errors[1].message(),
            "src/_index.yaml:4:5: entry app:nokind: entry[1].kind: kind is required and must be a non-empty string");
  EXPECT_EQ(r.errors[2].message(), "src/_index.yaml:5:11: entry[2].name: name is required and must be a non-empty string");
  EXPECT_EQ(ids(r), (std::vector<std::string>{"app:fine"}));
}

TEST(LoadErrors, NeitherEntriesNorSingleEntry) {
  TempApp app;
  app.write("src/a.yaml", "namespace: app\nmeta: {x: 1}\n");
  LoadReport r = load_app(app.dir());
  ASSERT_EQ(r.errors.size(), 1u) << all_errors(r);
  EXPECT_EQ(r.errors[0].message(), "src/a.yaml:1:1: either entries array or single entry (name/kind) must be provided");
}

TEST(LoadErrors, AllProblemsAreCollected) {
  TempApp app;
  app.write("src/a.yaml", "namespace: app\nentries:\n  - name: a\n  - kind: k\n    meta: 5\n");
  app.write("src/b.yaml", "namespace: [1]\n");
  app.write("src/c.yaml", "namespace: app\nentries: {a: 1}\n");
  app.write("src/d.yaml", "namespace: app\nname: d\nkind: k\ndata: 7\nx: file://missing\n");
  app.write("src/e.yaml", "namespace: app\n  bad: [\n");
  app.write("src/f.yaml", "namespace: app\nentries:\n  - name: a:b\n    kind: k\n  - oops\n");
  LoadReport r = load_app(app.dir());
  std::string all = all_errors(r);
  EXPECT_NE(all.find("src/a.yaml:3:5: entry app:a: entry[0].kind: kind is required"), std::string::npos) << all;
  EXPECT_NE(all.find("src/a.yaml:4:5: entry[1].name: name is required"), std::string::npos) << all;
  EXPECT_NE(all.find("src/a.yaml:5:11: entry[1].meta: meta must be a map, got integer"), std::string::npos) << all;
  EXPECT_NE(all.find("src/b.yaml:1:12: namespace must be a non-empty string"), std::string::npos) << all;
  EXPECT_NE(all.find("src/c.yaml:2:10: entries must be an array, got map"), std::string::npos) << all;
  EXPECT_NE(all.find("src/d.yaml:4:7: entry app:d: entry[0].data: data must be a map"), std::string::npos) << all;
  EXPECT_NE(all.find("src/d.yaml:5:4: entry app:d: file:// file not found: file://missing"), std::string::npos) << all;
  EXPECT_NE(all.find("src/e.yaml:"), std::string::npos) << all;
  EXPECT_NE(all.find("src/f.yaml:3:11: entry[0].name: name must not contain ':'"), std::string::npos) << all;
  EXPECT_NE(all.find("src/f.yaml:5:5: entry[1]: entry must be a map, got string"), std::string::npos) << all;
  EXPECT_EQ(r.errors.size(), 10u) << all;
  EXPECT_TRUE(r.entries.empty()) << ids(r).size();
}

// ---- duplicates ---------------------------------------------------------------------------

TEST(Duplicates, LastDefinitionWinsWithWarning) {
  TempApp app;
  app.write("src/a.yaml", "namespace: app\nentries:\n  - {name: dup, kind: k, v: first}\n  - {name: other, kind: k}\n");
  app.write("src/b.yaml", "namespace: app\nname: dup\nkind: k\nv: second\n");
  LoadReport r = load_app(app.dir());
  ASSERT_TRUE(r.ok()) << all_errors(r);
  EXPECT_EQ(ids(r), (std::vector<std::string>{"app:other", "app:dup"}));
  EXPECT_EQ(*find_entry(r, "app:dup")->data.find("v"), core::Value("second"));
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "duplicate entry id app:dup: src/b.yaml:1:1 replaces the definition in src/a.yaml:3:5");
}

}  // namespace
}  // namespace wirt::registry
