// FileSetLoader: a cache of decoded files in front of the loader's
// per-file decoding (file_load.h).
#include "source/file_set.h"

#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "source/file_load.h"
#include "source/parallel.h"

namespace portico::source {
namespace {

// meta.order = the file's base + position in the file. Bases are spaced so
// that a file added between two others gets a base between theirs without
// moving either: up to kDocsPerFile objects per file, and about
// log2(kSpacing / kDocsPerFile) = 20 files added at the same spot before
// every base is renumbered (and every file decoded again).
constexpr int64_t kDocsPerFile = int64_t{1} << 20;
constexpr int64_t kSpacing = int64_t{1} << 40;

// From this many files to decode in one load, they are decoded on several
// threads (source/parallel.h); a reload after an edit decodes one or two.
constexpr size_t kParallelFiles = 64;

struct Identity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  timespec mtime{}, ctime{};
  bool operator==(const Identity& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
           mtime.tv_nsec == o.mtime.tv_nsec && ctime.tv_sec == o.ctime.tv_sec &&
           ctime.tv_nsec == o.ctime.tv_nsec;
  }
};

bool identify(const std::string& file, Identity& id) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return false;
  id = {st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
  return true;
}

// A base for a file placed after `previous` and before `next`, leaving
// room on both sides; none when the gap is too small (then renumber).
std::optional<int64_t> baseBetween(int64_t previous, int64_t next) {
  const int64_t base = previous + (next - previous) / 2 / kDocsPerFile * kDocsPerFile;
  if (base <= previous || base + kDocsPerFile > next) return std::nullopt;
  return base;
}

// "a/b.yaml" as a listing spells it: no empty, "." or ".." segment.
bool plainRelative(std::string_view rest) {
  while (true) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) return true;
    rest.remove_prefix(slash + 1);
  }
}

struct Entry {
  Identity identity;
  int64_t base = 0;
  uint64_t version = 0;
  uint64_t seen = 0;  // the placeFiles() epoch that last listed the file
  FileLoad load;
  bool decoded = false;
};

}  // namespace

struct FileSetLoader::Impl {
  std::vector<std::string> paths;
  std::map<std::string, Entry> entries;  // by file
  uint64_t nextVersion = 1;
  uint64_t epoch = 0;
  std::vector<uint64_t> versions;
  std::vector<std::shared_ptr<const std::string>> contents;
  size_t decoded = 0;
  // The last listing, its problems and its entries, reused while the
  // watcher reports no file added or removed.
  bool listed = false;
  std::vector<std::string> files;
  api::Diagnostics listingProblems;
  std::vector<Entry*> slots;

  // Gives every file a base in file order, keeping the bases already given
  // where they still fit; renumbers all (dropping every decoded file) when
  // one does not. Returns each file's entry, in `files` order.
  std::vector<Entry*> placeFiles(const std::vector<std::string>& files) {
    // Forget files that are gone (mark and sweep: no map is rebuilt).
    std::vector<Entry*> slot(files.size());
    ++epoch;
    for (size_t i = 0; i < files.size(); ++i) {
      slot[i] = &entries[files[i]];
      slot[i]->seen = epoch;
    }
    std::erase_if(entries, [&](const auto& kv) { return kv.second.seen != epoch; });
    int64_t previous = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      Entry& e = *slot[i];
      if (e.base > previous && e.decoded) {
        previous = e.base;
        continue;
      }
      // The next file that keeps its base bounds this one.
      int64_t next = previous + 2 * kSpacing;
      for (size_t j = i + 1; j < files.size(); ++j) {
        if (slot[j]->decoded && slot[j]->base > previous) {
          next = slot[j]->base;
          break;
        }
      }
      const std::optional<int64_t> base = baseBetween(previous, next);
      if (!base) return renumber(files);
      if (e.base != *base) e.decoded = false;  // its objects carry the old orders
      e.base = *base;
      previous = *base;
    }
    return slot;
  }

  // The roots' blocks in `files` when every root is a directory and none
  // is inside another (`portico run -c dir`): then each block is the
  // sorted listing of its root, and a file can be placed by its path.
  // Empty otherwise: such loads always list again.
  std::vector<std::string> rootPrefixes;
  std::vector<size_t> blockStart;  // per root, then files.size()

  void indexBlocks() {
    rootPrefixes.clear();
    blockStart.clear();
    if (!listingProblems.empty()) return;
    std::vector<std::string> prefixes;
    for (const auto& p : paths) {
      struct stat st {};
      if (p == "-" || ::stat(p.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return;
      prefixes.push_back(p.ends_with('/') ? p : p + "/");
    }
    for (size_t i = 0; i < prefixes.size(); ++i) {
      for (size_t j = 0; j < prefixes.size(); ++j) {
        if (i != j && prefixes[i].starts_with(prefixes[j])) return;  // nested or repeated roots
      }
    }
    size_t at = 0;
    for (const auto& prefix : prefixes) {
      blockStart.push_back(at);
      while (at < files.size() && files[at].starts_with(prefix)) ++at;
    }
    if (at != files.size()) return blockStart.clear();
    blockStart.push_back(at);
    rootPrefixes = std::move(prefixes);
  }

  // Applies the watcher's created, renamed and deleted files to the last
  // listing without reading the directories again (at 10,000 files the
  // listing was most of a reload). False when it cannot: the caller lists.
  bool relistIncrementally(const FileChanges& changes) {
    if (rootPrefixes.empty()) return false;
    for (const auto& f : changes.files) {
      size_t root = rootPrefixes.size();
      for (size_t r = 0; r < rootPrefixes.size(); ++r) {
        if (f.starts_with(rootPrefixes[r])) root = r;
      }
      if (root == rootPrefixes.size() ||
          !plainRelative(std::string_view(f).substr(rootPrefixes[root].size()))) {
        return false;
      }
      const auto first = files.begin() + static_cast<std::ptrdiff_t>(blockStart[root]);
      const auto last = files.begin() + static_cast<std::ptrdiff_t>(blockStart[root + 1]);
      const auto it = std::lower_bound(first, last, f);
      const auto i = static_cast<size_t>(it - files.begin());
      const bool present = it != last && *it == f;
      const bool exists = isListedManifest(f);
      if (present == exists) continue;
      if (exists) {
        files.insert(it, f);
        Entry& e = entries[f];
        e.seen = epoch;
        slots.insert(slots.begin() + static_cast<std::ptrdiff_t>(i), &e);
        for (size_t r = root + 1; r < blockStart.size(); ++r) ++blockStart[r];
        // A base between its neighbours', as placeFiles() would give.
        const int64_t previous = i > 0 ? slots[i - 1]->base : 0;
        const int64_t next = i + 1 < slots.size() ? slots[i + 1]->base : previous + 2 * kSpacing;
        if (const std::optional<int64_t> base = baseBetween(previous, next)) {
          e.base = *base;
          e.decoded = false;
        } else {
          slots = placeFiles(files);  // no room: renumbers
        }
      } else {
        files.erase(it);
        slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(i));
        entries.erase(f);
        for (size_t r = root + 1; r < blockStart.size(); ++r) --blockStart[r];
      }
    }
    return true;
  }

  std::vector<Entry*> renumber(const std::vector<std::string>& files) {
    entries.clear();
    std::vector<Entry*> slot(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
      slot[i] = &entries[files[i]];
      slot[i]->base = static_cast<int64_t>(i + 1) * kSpacing;
    }
    return slot;
  }

  // True when every file the watcher named is one the listing has (or one
  // that is gone): then files it did not name need no check. A name in
  // another form than the listing's would hide a change, so it makes the
  // load check everything.
  bool hintCovers(const FileChanges& changes) const {
    for (const auto& f : changes.files) {
      if (entries.count(f)) continue;
      struct stat st {};
      if (::stat(f.c_str(), &st) == 0) return false;
    }
    return true;
  }

  LoadResult load(const FileChanges* changes) {
    Assembler out;
    const bool hinted = changes && !changes->everything && listed;
    if (!hinted || (changes->listing && !relistIncrementally(*changes))) {
      listingProblems.clear();
      files = expandPaths(paths, listingProblems);
      slots = placeFiles(files);
      listed = true;
      indexBlocks();
    }
    out.result.diagnostics = listingProblems;
    const bool trustHint = hinted && hintCovers(*changes);
    versions.clear();
    contents.clear();
    decoded = 0;
    // First what each file needs; then the files to decode are read and
    // decoded, on several threads when there are many (start-up, a
    // ConfigMap volume swapped whole); then all are assembled in file order.
    struct Decode {
      size_t index = 0;
      Identity identity;
      bool read = false;
      std::string content;
      FileLoad load;
    };
    std::vector<Decode> work;
    std::vector<char> unreadable(files.size(), 0);
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& file = files[i];
      const Entry& e = *slots[i];
      const bool stdin = file == "-";
      if (trustHint && e.decoded && !stdin && !changes->files.count(file)) continue;  // no event: unchanged
      Identity id;
      if (!stdin && !identify(file, id)) {
        unreadable[i] = 1;
        continue;
      }
      if (stdin || !e.decoded || !(id == e.identity)) work.push_back({i, id});
    }
    parallelFor(work.size(), work.size() >= kParallelFiles ? loadThreads() : 1, [&](size_t k) {
      Decode& d = work[k];
      const std::string& file = files[d.index];
      d.read = readInput(file, d.content);
      if (d.read) d.load = decodeFile(d.content, file, slots[d.index]->base + 1);
    });
    auto next = work.begin();
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& file = files[i];
      Entry& e = *slots[i];
      std::shared_ptr<const std::string> read;
      if (next != work.end() && next->index == i) {
        Decode& d = *next++;
        if (!d.read) {
          unreadable[i] = 1;
        } else {
          e.load = std::move(d.load);
          e.identity = d.identity;
          e.version = nextVersion++;
          e.decoded = file != "-";
          ++decoded;
          read = std::make_shared<const std::string>(std::move(d.content));
        }
      }
      if (unreadable[i]) {
        out.unreadable(file);
        e.decoded = false;
        continue;
      }
      out.add(file, e.load);
      versions.push_back(e.version);
      contents.push_back(std::move(read));
    }
    return std::move(out.result);
  }
};

FileSetLoader::FileSetLoader(std::vector<std::string> paths) : impl_(std::make_unique<Impl>()) {
  impl_->paths = std::move(paths);
}
FileSetLoader::~FileSetLoader() = default;

LoadResult FileSetLoader::load(const FileChanges* changes) { return impl_->load(changes); }
const std::vector<uint64_t>& FileSetLoader::versions() const { return impl_->versions; }
size_t FileSetLoader::decodedLastTime() const { return impl_->decoded; }
std::vector<std::shared_ptr<const std::string>> FileSetLoader::takeContents() {
  return std::exchange(impl_->contents, {});
}

}  // namespace portico::source
