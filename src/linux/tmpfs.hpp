// The guest's private, writable /tmp: an in-memory tree of files and directories that belongs
// to one execution. It lives in the process state, so it is copied with the Personality: a fork
// starts from the template's /tmp (normally empty at the ready point) and whatever it writes
// disappears with it. Copies are cheap: file contents are shared between copies through
// shared_ptr and cloned only by the first write after a copy (copy-on-write), so forking a
// template whose warm-up left files in /tmp copies no file bytes.
//
// Files are named by inode number, not by pointer: an open file description (fd_table.hpp)
// holds the number, so copying the fd table and the tree separately keeps them consistent
// without any pointer fix-up. An inode unlinked while still open stays readable through its fds
// until nothing refers to it (see release_unreferenced).
//
// Everything is bounded by named limits (bytes, inodes, name length): /tmp is guest memory the
// host pays for, so a guest fills it only up to a fixed size and gets ENOSPC, as on a full
// tmpfs. There are no symlinks, hard links or special files: only what programs use scratch
// space for. Not thread-safe; one guest, one thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linux/arch_layouts.hpp"
#include "linux/byte_codec.hpp"

namespace forkbox::os {

// Why 64 MiB: room for the scratch files ordinary programs write (a CSV, a compiled regex
// cache, a small SQLite database) while bounding the host memory one execution can pin in /tmp
// well below the default 512 MiB execution memory.
inline constexpr uint64_t kTmpMaxBytes = 64ull << 20;
// Why 1024: more files and directories than a scratch directory needs; each costs a map entry,
// so the bound keeps lookups and directory listings cheap and a create loop finite.
inline constexpr size_t kTmpMaxInodes = 1024;
// Linux's NAME_MAX: a longer path component is ENAMETOOLONG there too.
inline constexpr size_t kTmpMaxNameLength = 255;
// The st_dev every /tmp inode reports (an anonymous device number, like a real tmpfs mount).
inline constexpr uint64_t kTmpDevice = 0x2b;

struct TmpDirEntry {
  std::string name;
  uint64_t ino;
  bool dir;
};

class TmpFs {
 public:
  static constexpr std::string_view kMountPoint = "/tmp";
  static constexpr uint64_t kRootIno = 1;

  TmpFs();

  // True when `path` (absolute, lexically normalized) names /tmp or something inside it.
  [[nodiscard]] static bool covers(std::string_view path);

  // The inode `path` names; -ENOENT, -ENOTDIR (a file used as a directory), -ENAMETOOLONG.
  [[nodiscard]] std::expected<uint64_t, int> lookup(std::string_view path) const;
  // Opens or creates a regular file. `exclusive`: -EEXIST when it exists (O_CREAT|O_EXCL).
  // Errors: -ENOENT (parent missing), -EISDIR, -ENOSPC (inode limit), -ENAMETOOLONG.
  [[nodiscard]] std::expected<uint64_t, int> create_file(std::string_view path, uint32_t mode,
                                                         bool exclusive);
  [[nodiscard]] std::expected<uint64_t, int> make_dir(std::string_view path, uint32_t mode);
  // Removes a file's name (-EISDIR for a directory) or an empty directory (-ENOTEMPTY,
  // -ENOTDIR); `open` tells whether an fd still refers to the inode (then it outlives its name).
  [[nodiscard]] int unlink(std::string_view path, const std::function<bool(uint64_t)>& open);
  [[nodiscard]] int remove_dir(std::string_view path);
  // Moves `from` to `to` as rename(2) does inside one file system: a file replaces a file (the
  // replaced one is unlinked, see unlink), a directory replaces an empty directory and takes
  // everything below it along. `no_replace` (RENAME_NOREPLACE): -EEXIST when `to` exists.
  // Errors: -ENOENT, -ENOTDIR, -EISDIR, -ENOTEMPTY, -EINVAL (a directory into itself),
  // -EBUSY (/tmp itself), -ENAMETOOLONG.
  [[nodiscard]] int rename(std::string_view from, std::string_view to, bool no_replace,
                           const std::function<bool(uint64_t)>& open);

  [[nodiscard]] bool is_dir(uint64_t ino) const;
  [[nodiscard]] uint64_t size(uint64_t ino) const;
  // Up to `max` bytes from `offset` (fewer at the end of the file).
  [[nodiscard]] std::string read(uint64_t ino, uint64_t offset, size_t max) const;
  // Writes at `offset`, growing the file (a hole reads as zeros); -ENOSPC past kTmpMaxBytes,
  // -EFBIG past what one file may hold.
  [[nodiscard]] std::expected<size_t, int> write(uint64_t ino, uint64_t offset,
                                                 std::string_view bytes);
  [[nodiscard]] int truncate(uint64_t ino, uint64_t length);
  [[nodiscard]] FileStat stat(uint64_t ino) const;
  // The entries of the directory `ino` (without "." and ".."), sorted by name.
  [[nodiscard]] std::vector<TmpDirEntry> list(uint64_t ino) const;
  [[nodiscard]] uint64_t bytes_used() const { return bytes_; }
  [[nodiscard]] size_t inode_count() const { return nodes_.size(); }
  // Frees unlinked inodes no fd refers to any more.
  void release_unreferenced(const std::function<bool(uint64_t)>& open);

  // The whole tree for a snapshot file, and back (nullopt on an inconsistent input).
  void encode(ByteWriter& out) const;
  [[nodiscard]] static std::optional<TmpFs> decode(ByteReader& in);

 private:
  struct Node {
    bool dir = false;
    uint32_t mode = 0;
    uint64_t nlink = 1;                 // 0: unlinked, kept while an fd refers to it
    std::shared_ptr<std::string> data;  // files; shared with copies until the first write
    struct timespec mtime {};
    struct timespec ctime {};
  };
  // Splits "/tmp/a/b" into its parent inode and the final name, checking each.
  [[nodiscard]] std::expected<std::pair<uint64_t, std::string>, int> parent_of(
      std::string_view path) const;
  [[nodiscard]] std::expected<uint64_t, int> add_node(std::string_view path, Node node);
  std::string& writable_data(Node& node);

  std::map<std::string, uint64_t, std::less<>> names_;  // full path -> inode ("/tmp" included)
  std::map<uint64_t, Node> nodes_;
  uint64_t next_ino_ = kRootIno + 1;
  uint64_t bytes_ = 0;  // sum of file sizes, against kTmpMaxBytes
};

// "/a/./b/../c" -> "/a/c": `path` made absolute against `base` (absolute) and normalized without
// looking at any file system. Used to decide whether a path is virtual (/tmp, /dev/null, ...)
// before the host path policy sees it; exact because the virtual trees hold no symlinks.
[[nodiscard]] std::string normalize_path(std::string_view base, std::string_view path);

}  // namespace forkbox::os
