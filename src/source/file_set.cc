// FileSetLoader: a cache of decoded files in front of the loader's
// per-file decoding (file_load.h).
#include "source/file_set.h"

#include <sys/stat.h>

#include <map>

#include "source/file_load.h"

namespace portico::source {
namespace {

// meta.order = the file's base + position in the file. Bases are spaced so
// that a file added between two others gets a base between theirs without
// moving either: up to kDocsPerFile objects per file, and about
// log2(kSpacing / kDocsPerFile) = 20 files added at the same spot before
// every base is renumbered (and every file decoded again).
constexpr int64_t kDocsPerFile = int64_t{1} << 20;
constexpr int64_t kSpacing = int64_t{1} << 40;

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
  size_t decoded = 0;

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
      const int64_t base = previous + (next - previous) / 2 / kDocsPerFile * kDocsPerFile;
      if (base <= previous || base + kDocsPerFile > next) return renumber(files);
      if (e.base != base) e.decoded = false;  // its objects carry the old orders
      e.base = base;
      previous = base;
    }
    return slot;
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

  LoadResult load() {
    Assembler out;
    const std::vector<std::string> files = expandPaths(paths, out.result.diagnostics);
    const std::vector<Entry*> slot = placeFiles(files);
    versions.clear();
    decoded = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& file = files[i];
      Entry& e = *slot[i];
      Identity id;
      const bool stdin = file == "-";
      if (!stdin && !identify(file, id)) {
        out.unreadable(file);
        e.decoded = false;
        continue;
      }
      if (stdin || !e.decoded || !(id == e.identity)) {
        std::string content;
        if (!readInput(file, content)) {
          out.unreadable(file);
          e.decoded = false;
          continue;
        }
        e.load = decodeFile(content, file, e.base + 1);
        e.identity = id;
        e.version = nextVersion++;
        e.decoded = !stdin;
        ++decoded;
      }
      out.add(file, e.load);
      versions.push_back(e.version);
    }
    return std::move(out.result);
  }
};

FileSetLoader::FileSetLoader(std::vector<std::string> paths) : impl_(std::make_unique<Impl>()) {
  impl_->paths = std::move(paths);
}
FileSetLoader::~FileSetLoader() = default;

LoadResult FileSetLoader::load() { return impl_->load(); }
const std::vector<uint64_t>& FileSetLoader::versions() const { return impl_->versions; }
size_t FileSetLoader::decodedLastTime() const { return impl_->decoded; }

}  // namespace portico::source
