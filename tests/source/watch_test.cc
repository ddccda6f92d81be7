#include "source/watch.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace portico::source {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kDebounce = 100ms;
// Bound for an expected notification (generous for loaded CI machines), and
// how long "nothing more happens" is observed: several debounce periods.
constexpr auto kExpectWithin = 5s;
constexpr auto kQuietFor = kDebounce * 5;

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-watch-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    watcher_.reset();  // joins the thread before the directory goes
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void watch(const std::vector<std::string>& paths, std::chrono::milliseconds debounce = kDebounce) {
    std::string error;
    watcher_ = FileWatcher::start(
        paths, debounce,
        [this](const FileChanges& c) {
          std::lock_guard lock(mu_);
          ++changes_;
          last_ = c;
          cv_.notify_all();
        },
        error);
    ASSERT_TRUE(watcher_) << error;
  }

  // Waits (bounded) until at least `n` notifications were seen.
  bool waitFor(int n, std::chrono::milliseconds within = kExpectWithin) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, within, [&] { return changes_ >= n; });
  }
  int changes() {
    std::lock_guard lock(mu_);
    return changes_;
  }
  FileChanges last() {
    std::lock_guard lock(mu_);
    return last_;
  }

  static void write(const fs::path& p, const std::string& content) {
    std::ofstream(p, std::ios::trunc) << content;
  }

  std::string dir_;
  std::unique_ptr<FileWatcher> watcher_;
  std::mutex mu_;
  std::condition_variable cv_;
  int changes_ = 0;
  FileChanges last_;  // what the latest notification reported
};

TEST_F(WatchTest, DirectoryCreateModifyAndRenameOver) {
  watch({dir_});
  const fs::path f = fs::path(dir_) / "routes.yaml";
  write(f, "a: 1\n");
  ASSERT_TRUE(waitFor(1)) << "create";
  write(f, "a: 2\n");
  ASSERT_TRUE(waitFor(2)) << "modify";
  // How editors save: write a temporary file, rename it over the original.
  write(fs::path(dir_) / ".routes.yaml.swp", "a: 3\n");
  fs::rename(fs::path(dir_) / ".routes.yaml.swp", f);
  ASSERT_TRUE(waitFor(3)) << "rename over";
}

TEST_F(WatchTest, NewSubdirectoriesAreWatched) {
  watch({dir_});
  const fs::path sub = fs::path(dir_) / "team-a" / "nested";
  fs::create_directories(sub);
  write(sub / "route.yaml", "a: 1\n");
  ASSERT_TRUE(waitFor(1)) << "new subdirectory";
  // After that burst, a change inside the new subdirectory alone must be seen.
  write(sub / "route.yaml", "a: 2\n");
  ASSERT_TRUE(waitFor(2)) << "file in the new subdirectory";
}

TEST_F(WatchTest, BurstWithinDebounceFiresOnce) {
  // A longer debounce than elsewhere: the 20 writes must land within it even
  // when this thread is descheduled on a loaded machine.
  watch({dir_}, 3 * kDebounce);
  for (int i = 0; i < 20; ++i) write(fs::path(dir_) / "burst.yaml", "n: " + std::to_string(i) + "\n");
  ASSERT_TRUE(waitFor(1));
  EXPECT_FALSE(waitFor(2, kQuietFor));
  EXPECT_EQ(changes(), 1);
}

TEST_F(WatchTest, RenameIntoPlaceDoesNotWaitForTheDebounce) {
  // An atomic write (temporary name, then rename) leaves nothing
  // half-written, so it is applied after a short settle instead of the
  // debounce: with a one-minute debounce, seeing it within the bound
  // proves that.
  watch({dir_}, 60s);
  write(fs::path(dir_) / "route.yaml.tmp~", "a: 1\n");
  fs::rename(fs::path(dir_) / "route.yaml.tmp~", fs::path(dir_) / "route.yaml");
  ASSERT_TRUE(waitFor(1)) << "rename into place";
  // What changed, in the form a directory listing spells it.
  EXPECT_FALSE(last().everything);
  EXPECT_TRUE(last().listing);
  EXPECT_EQ(last().files, std::set<std::string>{dir_ + "/route.yaml"});
  fs::remove(fs::path(dir_) / "route.yaml");
  ASSERT_TRUE(waitFor(2)) << "delete";
  EXPECT_TRUE(last().listing);
  EXPECT_EQ(last().files, std::set<std::string>{dir_ + "/route.yaml"});
}

TEST_F(WatchTest, InPlaceWritesWaitForTheDebounce) {
  // The same one-minute debounce: a file written in place (it could be
  // read half-written) is not applied within the observation window, even
  // when a rename lands in the same burst.
  watch({dir_}, 60s);
  write(fs::path(dir_) / "a.yaml", "a: 1\n");
  write(fs::path(dir_) / "b.yaml.tmp~", "b: 1\n");
  fs::rename(fs::path(dir_) / "b.yaml.tmp~", fs::path(dir_) / "b.yaml");
  EXPECT_FALSE(waitFor(1, kQuietFor));
}

TEST_F(WatchTest, NonManifestFilesInDirectoriesAreIgnored) {
  watch({dir_});
  write(fs::path(dir_) / "notes.txt", "x");
  write(fs::path(dir_) / "routes.yaml~", "x");
  EXPECT_FALSE(waitFor(1, kQuietFor));
}

TEST_F(WatchTest, SingleFileThroughItsParent) {
  const fs::path f = fs::path(dir_) / "gateway.yaml";
  write(f, "a: 1\n");
  watch({f.string(), "-"});
  write(fs::path(dir_) / "other.yaml", "x");  // same directory, not watched
  EXPECT_FALSE(waitFor(1, kQuietFor));
  write(fs::path(dir_) / "gateway.yaml.tmp", "a: 2\n");
  fs::rename(fs::path(dir_) / "gateway.yaml.tmp", f);
  ASSERT_TRUE(waitFor(1)) << "rename over";
  write(f, "a: 3\n");  // the replacing inode is watched too: its directory is
  ASSERT_TRUE(waitFor(2)) << "modify after rename";
}

TEST_F(WatchTest, SymlinkedFileFollowsItsTarget) {
  // The Kubernetes ConfigMap volume layout: file -> ..data/file, ..data -> dir.
  const fs::path v1 = fs::path(dir_) / "..v1";
  fs::create_directory(v1);
  write(v1 / "config.yaml", "a: 1\n");
  fs::create_directory_symlink("..v1", fs::path(dir_) / "..data");
  fs::create_symlink("..data/config.yaml", fs::path(dir_) / "config.yaml");
  watch({(fs::path(dir_) / "config.yaml").string()});
  write(v1 / "config.yaml", "a: 2\n");  // only the target's directory sees this
  ASSERT_TRUE(waitFor(1));
  EXPECT_TRUE(last().everything);  // the target's path is not the one loaded
}

TEST_F(WatchTest, MissingParentIsAnError) {
  std::string error;
  auto w = FileWatcher::start(
      {dir_ + "/no/such/file.yaml"}, kDebounce, [](const FileChanges&) {}, error);
  EXPECT_FALSE(w);
  EXPECT_NE(error.find("no/such"), std::string::npos) << error;
}

TEST_F(WatchTest, StdinOnlyWatchesNothingAndStopsPromptly) {
  watch({"-"});
  const auto t0 = std::chrono::steady_clock::now();
  watcher_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
}  // namespace portico::source
