// The in-memory /tmp; see tmpfs.hpp for the model (inode numbers, copy-on-write contents,
// limits). Paths arrive absolute and normalized (normalize_path), so a lookup is one map find.
#include "linux/tmpfs.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

namespace forkbox::os {
namespace {

struct timespec now() {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return ts;
}

}  // namespace

std::string normalize_path(std::string_view base, std::string_view path) {
  std::vector<std::string_view> parts;
  auto push = [&parts](std::string_view p) {
    size_t at = 0;
    while (at <= p.size()) {
      size_t slash = p.find('/', at);
      if (slash == std::string_view::npos) slash = p.size();
      std::string_view part = p.substr(at, slash - at);
      at = slash + 1;
      if (part.empty() || part == ".") continue;
      if (part == "..") {
        if (!parts.empty()) parts.pop_back();  // ".." at "/" stays at "/"
        continue;
      }
      parts.push_back(part);
    }
  };
  if (path.empty() || path.front() != '/') push(base);
  push(path);
  if (parts.empty()) return "/";
  std::string out;
  for (std::string_view part : parts) {
    out += '/';
    out += part;
  }
  return out;
}

TmpFs::TmpFs() {
  Node root;
  root.dir = true;
  root.mode = S_IFDIR | 01777;  // sticky and world-writable, as /tmp is on Linux
  root.nlink = 2;
  root.mtime = root.ctime = now();
  nodes_.emplace(kRootIno, root);
  names_.emplace(std::string(kMountPoint), kRootIno);
}

bool TmpFs::covers(std::string_view path) {
  return path == kMountPoint || (path.size() > kMountPoint.size() &&
                                 path.starts_with(kMountPoint) && path[kMountPoint.size()] == '/');
}

std::expected<std::pair<uint64_t, std::string>, int> TmpFs::parent_of(std::string_view path) const {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || !covers(path.substr(0, slash)))
    return std::unexpected(-ENOENT);
  std::string name(path.substr(slash + 1));
  if (name.size() > kTmpMaxNameLength) return std::unexpected(-ENAMETOOLONG);
  auto parent = lookup(path.substr(0, slash));
  if (!parent) return std::unexpected(parent.error());
  if (!is_dir(*parent)) return std::unexpected(-ENOTDIR);
  return std::pair{*parent, std::move(name)};
}

std::expected<uint64_t, int> TmpFs::lookup(std::string_view path) const {
  auto it = names_.find(path);
  if (it != names_.end()) return it->second;
  // Tell ENOTDIR ("/tmp/file/x") from ENOENT, as a component walk would.
  for (size_t slash = path.rfind('/'); slash != std::string_view::npos && slash > 0;
       slash = path.rfind('/', slash - 1)) {
    std::string_view prefix = path.substr(0, slash);
    if (auto p = names_.find(prefix); p != names_.end())
      return std::unexpected(is_dir(p->second) ? -ENOENT : -ENOTDIR);
  }
  return std::unexpected(-ENOENT);
}

std::expected<uint64_t, int> TmpFs::add_node(std::string_view path, Node node) {
  auto parent = parent_of(path);
  if (!parent) return std::unexpected(parent.error());
  if (nodes_.size() >= kTmpMaxInodes) {
    return std::unexpected(-ENOSPC);
  }
  node.mtime = node.ctime = now();
  const uint64_t ino = next_ino_++;
  nodes_.emplace(ino, std::move(node));
  names_.emplace(std::string(path), ino);
  Node& dir = nodes_.at(parent->first);
  dir.mtime = dir.ctime = now();
  return ino;
}

std::expected<uint64_t, int> TmpFs::create_file(std::string_view path, uint32_t mode,
                                                bool exclusive) {
  if (auto existing = lookup(path)) {
    if (exclusive) return std::unexpected(-EEXIST);
    if (is_dir(*existing)) return std::unexpected(-EISDIR);
    return *existing;
  } else if (existing.error() != -ENOENT) {
    return std::unexpected(existing.error());
  }
  Node node;
  node.mode = S_IFREG | (mode & 07777);
  node.data = std::make_shared<std::string>();
  return add_node(path, std::move(node));
}

std::expected<uint64_t, int> TmpFs::make_dir(std::string_view path, uint32_t mode) {
  if (lookup(path)) return std::unexpected(-EEXIST);
  Node node;
  node.dir = true;
  node.mode = S_IFDIR | (mode & 07777);
  node.nlink = 2;
  return add_node(path, std::move(node));
}

int TmpFs::unlink(std::string_view path, const std::function<bool(uint64_t)>& open) {
  auto ino = lookup(path);
  if (!ino) return ino.error();
  if (is_dir(*ino)) return -EISDIR;
  names_.erase(names_.find(path));
  Node& node = nodes_.at(*ino);
  node.nlink = 0;
  node.ctime = now();
  if (!open(*ino)) {
    bytes_ -= node.data->size();
    nodes_.erase(*ino);
  }
  return 0;
}

int TmpFs::remove_dir(std::string_view path) {
  auto ino = lookup(path);
  if (!ino) return ino.error();
  if (*ino == kRootIno) return -EBUSY;  // the mount point itself, as on Linux
  if (!is_dir(*ino)) return -ENOTDIR;
  if (!list(*ino).empty()) return -ENOTEMPTY;
  names_.erase(names_.find(path));
  nodes_.erase(*ino);
  return 0;
}

int TmpFs::rename(std::string_view from, std::string_view to, bool no_replace,
                  const std::function<bool(uint64_t)>& open) {
  auto src = lookup(from);
  if (!src) return src.error();
  if (*src == kRootIno) return -EBUSY;
  auto to_parent = parent_of(to);
  if (!to_parent) return to_parent.error();
  auto from_parent = parent_of(from);
  if (!from_parent) return from_parent.error();
  const bool src_dir = is_dir(*src);
  if (to == from) return no_replace ? -EEXIST : 0;
  if (src_dir && to.starts_with(from) && to[from.size()] == '/') return -EINVAL;
  if (auto dst = lookup(to)) {
    if (no_replace) return -EEXIST;
    if (*dst == kRootIno) return -EBUSY;
    const bool dst_dir = is_dir(*dst);
    if (src_dir && !dst_dir) return -ENOTDIR;
    if (!src_dir && dst_dir) return -EISDIR;
    // A directory replaced by its own ancestor would be moved into itself.
    if (dst_dir && from.starts_with(to) && from[to.size()] == '/') return -ENOTEMPTY;
    const int rc = dst_dir ? remove_dir(to) : unlink(to, open);
    if (rc != 0) return rc;
  } else if (dst.error() != -ENOENT) {
    return dst.error();
  }
  // The name, and for a directory every name below it, move to the new prefix.
  const std::string old_path(from), new_path(to);
  names_.erase(names_.find(from));
  names_.emplace(new_path, *src);
  if (src_dir) {
    const std::string prefix = old_path + "/";
    std::vector<std::pair<std::string, uint64_t>> below;
    for (auto it = names_.lower_bound(prefix);
         it != names_.end() && it->first.starts_with(prefix);) {
      below.emplace_back(new_path + it->first.substr(old_path.size()), it->second);
      it = names_.erase(it);
    }
    for (auto& entry : below) names_.insert(std::move(entry));
  }
  const struct timespec t = now();
  nodes_.at(*src).ctime = t;
  for (uint64_t dir : {from_parent->first, to_parent->first})
    nodes_.at(dir).mtime = nodes_.at(dir).ctime = t;
  return 0;
}

bool TmpFs::is_dir(uint64_t ino) const {
  auto it = nodes_.find(ino);
  return it != nodes_.end() && it->second.dir;
}

uint64_t TmpFs::size(uint64_t ino) const {
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.dir) return 0;
  return it->second.data->size();
}

std::string TmpFs::read(uint64_t ino, uint64_t offset, size_t max) const {
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.dir) return {};
  const std::string& data = *it->second.data;
  if (offset >= data.size()) return {};
  return data.substr(static_cast<size_t>(offset), max);
}

std::string& TmpFs::writable_data(Node& node) {
  // Copy-on-write: contents shared with another copy of this tree are cloned first.
  if (node.data.use_count() > 1) node.data = std::make_shared<std::string>(*node.data);
  return *node.data;
}

std::expected<size_t, int> TmpFs::write(uint64_t ino, uint64_t offset, std::string_view bytes) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end() || it->second.dir) return std::unexpected(-EBADF);
  Node& node = it->second;
  const uint64_t old_size = node.data->size();
  if (offset > kTmpMaxBytes || bytes.size() > kTmpMaxBytes - offset) return std::unexpected(-EFBIG);
  const uint64_t end = offset + bytes.size();
  const uint64_t growth = end > old_size ? end - old_size : 0;
  if (growth > kTmpMaxBytes - bytes_) return std::unexpected(-ENOSPC);
  std::string& data = writable_data(node);
  if (end > data.size()) data.resize(static_cast<size_t>(end));
  std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<ptrdiff_t>(offset));
  bytes_ += growth;
  node.mtime = node.ctime = now();
  return bytes.size();
}

int TmpFs::truncate(uint64_t ino, uint64_t length) {
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return -EBADF;
  if (it->second.dir) return -EISDIR;
  Node& node = it->second;
  const uint64_t old_size = node.data->size();
  if (length > kTmpMaxBytes) return -EFBIG;
  if (length > old_size && length - old_size > kTmpMaxBytes - bytes_) return -ENOSPC;
  writable_data(node).resize(static_cast<size_t>(length));
  bytes_ = bytes_ - old_size + length;
  node.mtime = node.ctime = now();
  return 0;
}

FileStat TmpFs::stat(uint64_t ino) const {
  FileStat st;
  auto it = nodes_.find(ino);
  if (it == nodes_.end()) return st;
  const Node& node = it->second;
  st.dev = kTmpDevice;
  st.ino = ino;
  st.mode = node.mode;
  st.nlink = node.dir ? 2 + static_cast<uint64_t>(std::ranges::count_if(
                                list(ino), [](const TmpDirEntry& e) { return e.dir; }))
                      : node.nlink;
  st.size = node.dir ? 4096 : static_cast<int64_t>(node.data->size());
  st.blocks = (st.size + 511) / 512;
  st.atime = node.mtime;
  st.mtime = node.mtime;
  st.ctime = node.ctime;
  return st;
}

std::vector<TmpDirEntry> TmpFs::list(uint64_t ino) const {
  std::vector<TmpDirEntry> out;
  std::string prefix;
  for (const auto& [path, n] : names_) {
    if (n == ino) {
      prefix = path + "/";
      break;
    }
  }
  if (prefix.empty()) return out;
  for (auto it = names_.lower_bound(prefix); it != names_.end() && it->first.starts_with(prefix);
       ++it) {
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.find('/') != std::string_view::npos) continue;  // deeper than one level
    out.push_back({std::string(rest), it->second, is_dir(it->second)});
  }
  return out;
}

void TmpFs::release_unreferenced(const std::function<bool(uint64_t)>& open) {
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (it->second.nlink == 0 && !it->second.dir && !open(it->first)) {
      bytes_ -= it->second.data->size();
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace forkbox::os
