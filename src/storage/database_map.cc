// DatabaseMap: see database_map.h. The file holds 256 decimal numbers, the physical database of
// logical 0, 1, ... 255, separated by spaces; it must be a permutation.

#include "storage/database_map.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <vector>

namespace ringkv {

DatabaseMap::DatabaseMap() {
  for (int i = 0; i < kMaxDatabases; ++i) map_[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
}

Status DatabaseMap::Load(const std::string& path) {
  path_ = path;
  std::ifstream in(path);
  if (!in) return Status::OK();  // never swapped: the identity
  std::vector<int> values;
  int v;
  while (in >> v) values.push_back(v);
  std::vector<bool> seen(kMaxDatabases, false);
  bool ok = values.size() == kMaxDatabases && in.eof();
  for (size_t i = 0; ok && i < values.size(); ++i) {
    ok = values[i] >= 0 && values[i] < kMaxDatabases && !seen[static_cast<size_t>(values[i])];
    if (ok) seen[static_cast<size_t>(values[i])] = true;
  }
  if (!ok) {
    return Status::Corruption(path +
                              " is not a map of the 256 databases (written by SWAPDB); "
                              "restore it from a backup");
  }
  for (size_t i = 0; i < values.size(); ++i) map_[i] = static_cast<uint8_t>(values[i]);
  return Status::OK();
}

Status DatabaseMap::Swap(int a, int b) {
  uint8_t pa = Physical(a), pb = Physical(b);
  map_[static_cast<size_t>(a)] = pb;
  map_[static_cast<size_t>(b)] = pa;
  Status s = Save();
  if (!s.ok()) {  // keep memory and disk in agreement
    map_[static_cast<size_t>(a)] = pa;
    map_[static_cast<size_t>(b)] = pb;
  }
  return s;
}

Status DatabaseMap::Save() const {
  if (path_.empty()) return Status::OK();
  std::string text;
  for (int i = 0; i < kMaxDatabases; ++i) {
    text += std::to_string(Physical(i));
    text += i + 1 < kMaxDatabases ? ' ' : '\n';
  }
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::IOError("cannot write " + path_);
  }
  std::string dir =
      path_.substr(0, path_.find_last_of('/') == std::string::npos ? 0 : path_.find_last_of('/'));
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
  return Status::OK();
}

}  // namespace ringkv
