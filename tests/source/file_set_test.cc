// FileSetLoader (source/file_set.h): the same result as loadPaths() after
// any sequence of edits, while decoding only the files that changed.
#include "source/file_set.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "source/loader.h"
#include "source/watch.h"

namespace portico::source {
namespace {

namespace fs = std::filesystem;

std::string route(const std::string& name, const std::string& path) {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  parentRefs:\n  - name: gw\n  rules:\n  - matches:\n    - path:\n  "
         "      "
         "type: PathPrefix\n        value: " +
         path + "\n";
}

class FileSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-fileset-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Writes through a rename, as editors and ConfigMap volumes do: a new
  // inode every time, so no test depends on timestamp granularity.
  void write(const std::string& name, const std::string& text) {
    const std::string tmp = dir_ + "/." + name + ".tmp";
    std::ofstream(tmp) << text;
    fs::rename(tmp, dir_ + "/" + name);
  }

  // The incremental result must match a fresh loadPaths() in everything
  // but the values of meta.order, whose relative order must match.
  void expectSameAsFreshLoad(const LoadResult& got) {
    const LoadResult want = loadPaths({dir_});
    EXPECT_EQ(got.files, want.files);
    EXPECT_EQ(got.documents, want.documents);
    EXPECT_EQ(got.objectsByKind, want.objectsByKind);
    ASSERT_EQ(got.diagnostics.size(), want.diagnostics.size());
    for (size_t i = 0; i < want.diagnostics.size(); ++i)
      EXPECT_EQ(got.diagnostics[i].format(), want.diagnostics[i].format());
    ASSERT_EQ(got.snapshot.httpRoutes.size(), want.snapshot.httpRoutes.size());
    std::vector<std::pair<int64_t, std::string>> gotOrder, wantOrder;
    for (const auto& [key, r] : got.snapshot.httpRoutes) {
      const auto* w = want.snapshot.httpRoutes.find(r->meta.namespace_, r->meta.name);
      ASSERT_NE(w, nullptr) << key;
      EXPECT_EQ(r->meta.source.file, w->meta.source.file) << key;
      EXPECT_EQ(r->rules.at(0).matches.at(0).path->value, w->rules.at(0).matches.at(0).path->value) << key;
      gotOrder.emplace_back(r->meta.order, key);
      wantOrder.emplace_back(w->meta.order, key);
    }
    std::sort(gotOrder.begin(), gotOrder.end());
    std::sort(wantOrder.begin(), wantOrder.end());
    for (size_t i = 0; i < gotOrder.size(); ++i) EXPECT_EQ(gotOrder[i].second, wantOrder[i].second) << i;
  }

  std::string dir_;
};

TEST_F(FileSetTest, DecodesOnlyWhatChangedAndMatchesAFreshLoad) {
  for (int i = 0; i < 5; ++i)
    write("r" + std::to_string(i * 2) + ".yaml", route("r" + std::to_string(i * 2), "/a"));
  FileSetLoader files({dir_});
  expectSameAsFreshLoad(files.load());
  EXPECT_EQ(files.decodedLastTime(), 5u);

  const LoadResult again = files.load();
  EXPECT_EQ(files.decodedLastTime(), 0u);
  expectSameAsFreshLoad(again);

  write("r4.yaml", route("r4", "/changed"));
  const auto before = files.versions();
  const LoadResult edited = files.load();
  EXPECT_EQ(files.decodedLastTime(), 1u);
  expectSameAsFreshLoad(edited);
  EXPECT_EQ(edited.snapshot.httpRoutes.find("default", "r4")->rules[0].matches[0].path->value, "/changed");
  ASSERT_EQ(files.versions().size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    // r4.yaml is the third file (r0, r2, r4, r6, r8)
    if (i == 2) {
      EXPECT_NE(files.versions()[i], before[i]);
    } else {
      EXPECT_EQ(files.versions()[i], before[i]);
    }
  }
}

TEST_F(FileSetTest, AFileAddedBetweenOthersTakesItsPlaceInLoadOrder) {
  // Load order breaks precedence ties between routes without a
  // creationTimestamp, so it must not depend on when a file appeared.
  write("a.yaml", route("a", "/x"));
  write("c.yaml", route("c", "/x"));
  FileSetLoader files({dir_});
  files.load();
  for (int i = 0; i < 30; ++i) {  // more than fit between a and c: renumbers on the way
    write("b" + std::string(static_cast<size_t>(30 - i), 'b') + ".yaml",
          route("b" + std::to_string(i), "/x"));
    expectSameAsFreshLoad(files.load());
  }
  fs::remove(dir_ + "/a.yaml");
  expectSameAsFreshLoad(files.load());
}

TEST_F(FileSetTest, FilesAddedAndRemovedThroughHintsKeepLoadOrder) {
  // The same as above, but told by hints (as the watcher does), so the
  // listing is updated in place instead of read again.
  write("a.yaml", route("a", "/x"));
  write("c.yaml", route("c", "/x"));
  FileSetLoader files({dir_});
  files.load();
  auto hint = [&](const std::string& name) {
    FileChanges c;
    c.listing = true;
    c.files.insert(dir_ + "/" + name);
    return c;
  };
  for (int i = 0; i < 30; ++i) {  // more than fit between a and c: renumbers on the way
    const std::string name = "b" + std::string(static_cast<size_t>(30 - i), 'b') + ".yaml";
    write(name, route("b" + std::to_string(i), "/x"));
    const FileChanges c = hint(name);
    expectSameAsFreshLoad(files.load(&c));
  }
  fs::remove(dir_ + "/a.yaml");
  FileChanges gone = hint("a.yaml");
  expectSameAsFreshLoad(files.load(&gone));
  write("d.yaml", route("d", "/x"));
  FileChanges both = hint("d.yaml");
  both.files.insert(dir_ + "/c.yaml");  // named but unchanged
  expectSameAsFreshLoad(files.load(&both));
  EXPECT_EQ(files.decodedLastTime(), 1u);
}

TEST_F(FileSetTest, DuplicatesAcrossFilesAndBrokenFilesAreReportedAsByLoadPaths) {
  write("a.yaml", route("same", "/a"));
  write("b.yaml", route("same", "/b") + "---\nkind: Unknown\napiVersion: x/v1\n");
  write("c.yaml", "kind: Unknown\napiVersion: x/v1\n---\n{ not: [yaml");
  FileSetLoader files({dir_});
  expectSameAsFreshLoad(files.load());
  // Editing the first file keeps the verdict on the second.
  write("a.yaml", route("same", "/a2"));
  const LoadResult r = files.load();
  expectSameAsFreshLoad(r);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "same")->rules[0].matches[0].path->value, "/a2");
  fs::remove(dir_ + "/a.yaml");
  const LoadResult gone = files.load();
  expectSameAsFreshLoad(gone);
  EXPECT_EQ(gone.snapshot.httpRoutes.find("default", "same")->rules[0].matches[0].path->value, "/b");
}

TEST_F(FileSetTest, ManyFilesAreDecodedTogetherAsLoadPathsDecodesThem) {
  // Over the count from which files are decoded on several threads, with a
  // duplicate and a broken file among them.
  for (int i = 0; i < 150; ++i) {
    const std::string n = std::to_string(1000 + i);
    write("r" + n + ".yaml", route(i == 77 ? "r1010" : "r" + n, "/p" + n));
  }
  write("r1100.yaml", "{ not: [yaml");
  FileSetLoader files({dir_});
  expectSameAsFreshLoad(files.load());
  EXPECT_EQ(files.decodedLastTime(), 150u);
  write("r1120.yaml", route("r1120", "/changed"));
  const LoadResult edited = files.load();
  EXPECT_EQ(files.decodedLastTime(), 1u);
  expectSameAsFreshLoad(edited);
  EXPECT_EQ(edited.snapshot.httpRoutes.find("default", "r1120")->rules[0].matches[0].path->value, "/changed");
}

TEST_F(FileSetTest, AnUnknownKindIsNamedOnceAcrossFiles) {
  const std::string widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n";
  write("a.yaml", widget);
  write("b.yaml", widget + "---\napiVersion: example.com/v2\nkind: Widget\nmetadata: {name: v}\n");
  auto warnings = [](const LoadResult& r) {
    size_t n = 0;
    for (const auto& d : r.diagnostics) n += d.severity == api::Severity::Warning;
    return n;
  };
  EXPECT_EQ(warnings(loadPaths({dir_})), 2u);  // example.com/v1 and /v2
  FileSetLoader files({dir_});
  EXPECT_EQ(warnings(files.load()), 2u);
  write("a.yaml", widget + "# edited\n");
  EXPECT_EQ(warnings(files.load()), 2u);
}

// Collects what a real FileWatcher reports, for loads driven by its hints.
class Notifications {
 public:
  void push(const FileChanges& c) {
    std::lock_guard lock(mu_);
    queue_.push_back(c);
    cv_.notify_all();
  }
  // The next notification, waited for (bounded).
  std::optional<FileChanges> next() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return !queue_.empty(); })) return std::nullopt;
    FileChanges c = std::move(queue_.front());
    queue_.pop_front();
    return c;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FileChanges> queue_;
};

TEST_F(FileSetTest, WatcherHintsGiveTheSameResultAsCheckingEveryFile) {
  fs::create_directory(dir_ + "/team");
  for (int i = 0; i < 4; ++i) write("r" + std::to_string(i) + ".yaml", route("r" + std::to_string(i), "/a"));
  FileSetLoader files({dir_});
  expectSameAsFreshLoad(files.load());
  Notifications seen;
  std::string error;
  auto watcher = FileWatcher::start(
      {dir_}, std::chrono::milliseconds(20), [&](const FileChanges& c) { seen.push(c); }, error);
  ASSERT_TRUE(watcher) << error;
  auto loadNext = [&](const char* what) {
    const std::optional<FileChanges> c = seen.next();
    EXPECT_TRUE(c) << what;
    return c ? files.load(&*c) : files.load();
  };

  write("r1.yaml", route("r1", "/renamed-over"));  // rename over an existing file
  LoadResult r = loadNext("rename over");
  expectSameAsFreshLoad(r);
  EXPECT_EQ(files.decodedLastTime(), 1u);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "r1")->rules[0].matches[0].path->value, "/renamed-over");

  std::ofstream(dir_ + "/r2.yaml", std::ios::trunc) << route("r2", "/in-place");  // written in place
  r = loadNext("in-place write");
  expectSameAsFreshLoad(r);
  EXPECT_EQ(files.decodedLastTime(), 1u);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "r2")->rules[0].matches[0].path->value, "/in-place");

  write("r10.yaml", route("r10", "/new"));  // a new file
  r = loadNext("new file");
  expectSameAsFreshLoad(r);
  EXPECT_EQ(files.decodedLastTime(), 1u);

  fs::remove(dir_ + "/r0.yaml");  // a deleted file
  expectSameAsFreshLoad(loadNext("delete"));

  std::ofstream(dir_ + "/team/t.yaml") << route("t", "/team");  // a file in a subdirectory
  r = loadNext("subdirectory");
  expectSameAsFreshLoad(r);
  EXPECT_NE(r.snapshot.httpRoutes.find("default", "t"), nullptr);
}

TEST_F(FileSetTest, AHintNamingAFileInAnotherFormChecksEverything) {
  write("a.yaml", route("a", "/one"));
  write("b.yaml", route("b", "/one"));
  FileSetLoader files({dir_});
  files.load();
  write("a.yaml", route("a", "/two"));
  FileChanges changes;
  changes.files.insert(dir_ + "//a.yaml");  // not how the listing spells it
  const LoadResult r = files.load(&changes);
  expectSameAsFreshLoad(r);
  EXPECT_EQ(r.snapshot.httpRoutes.find("default", "a")->rules[0].matches[0].path->value, "/two");
}

}  // namespace
}  // namespace portico::source
