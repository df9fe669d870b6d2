#pragma once
// Group commit (issue 4): the writes of one worker loop turn reach storage as one batch.
//
// Why: a RocksDB write costs a WAL append (a write syscall, an fsync under appendfsync always)
// and a trip through RocksDB's write queue, where writers from several worker threads hand off
// to each other through futex waits. Per command that was most of a SET's cost outside the
// memtable insert. Now the point commands of a loop turn (every connection of the worker, every
// command of every pipeline) write into an in-memory overlay, and the worker commits the overlay
// as one storage Write after the turn's I/O callbacks, before any of their replies leave.
//
// Invariants kept:
// - Read your writes: commands that join the group read through the overlay (a TxnStorage), so
//   a GET after a SET in the same turn sees it, on any connection of this worker.
// - Acknowledged = committed: while the group holds uncommitted writes (or a commit failed this
//   turn), connections do not write to their sockets (Connection::Flush asks the worker); the
//   worker flushes them after the commit, or closes them if it failed, so no client ever sees a
//   reply for a write that did not reach storage (and appendfsync always still fsyncs before the
//   reply, now once per turn).
// - Atomic read-modify-write across workers (key_locks.h): a joined command's stripe stays
//   locked until the commit, so another worker's INCR of the same key waits for it. The group
//   never blocks while it holds stripes: it try-locks, and when a stripe is busy it commits
//   (releasing everything) before it waits. Whoever waits while holding stripes (EXEC, FLUSHALL,
//   multi-key commands outside a group) takes them in stripe order and is never waited for by a
//   group that holds stripes, so no cycle can form.
// - Everything else sees every earlier write: a command that does not join (keyspace walks,
//   transactions, WATCH, INFO, CONFIG...) commits the group first (Execute, WatchLocalKey).
//
// Which commands join: the string, generic (keyspace-of-one-key), hash, list, set, sorted-set
// and bitmap families' commands that name keys at fixed positions or through a key finder and
// do not walk the keyspace (SET, GET, INCR, MSET, DEL, EXPIRE, RENAME, HSET, LPUSH, ZADD...). Their handlers
// touch storage only through ctx.storage() and lock only through ONE ctx.locks() call: a busy
// stripe makes the group commit and release everything, so a second lock call in the same
// handler could lose the first one's stripe in the middle of its read-modify-write.
// tests/group_commit_test.cc runs every joining command and checks that (lock_calls()).
//
// Failure: if the batch cannot be written, every connection that flushes in the rest of that
// turn is closed (its replies are dropped: a client sees a broken connection, never a false +OK;
// this includes connections whose own commands did not depend on the batch, and cluster peer
// links, whose forwards then fail on the other node). For the next kFailurePauseMs commands run
// one by one again, so they get their own error replies.
//
// Thread-safety: a GroupCommit belongs to one worker thread (Current() on that thread); only
// its stripe locks are shared with other threads.

#include <bitset>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "txn/key_locks.h"
#include "status.h"
#include "storage/storage.h"

namespace ringkv {

struct CommandSpec;
class TxnStorage;

class GroupCommit {
 public:
  static constexpr uint64_t kFailurePauseMs = 1000;

  GroupCommit(storage::Storage* base, KeyLocks* locks);
  ~GroupCommit();  // commits what is pending
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // The group of the calling worker thread, or nullptr (not a worker: tests, other threads).
  static GroupCommit* Current();
  static void SetCurrent(GroupCommit* group);

  // True if `spec` may run in the group now (see the note at the top).
  bool Joins(const CommandSpec& spec) const;
  // The storage joined commands use.
  storage::Storage* overlay();

  // Lock / LockAll for a joined command: the stripes stay held until the next Commit. The
  // returned guard holds nothing (the group does).
  KeyLocks::Guard Lock(std::string_view key);
  KeyLocks::Guard LockAll(const std::vector<std::string_view>& keys);
  // Execute calls this before a joined command; lock_calls() then counts its Lock/LockAll calls.
  void BeginCommand() { lock_calls_ = 0; }
  int lock_calls() const { return lock_calls_; }

  // Writes the pending writes as one batch and releases every held stripe. A failure is
  // remembered until TakeFailure and pauses the group (see above).
  Status Commit();
  // Writes pending or a failed commit not yet handled: replies must wait for the worker.
  bool MustHoldReplies() const { return pending() != 0 || failed_; }
  // Whether a commit failed since the last call, and clears it.
  bool TakeFailure();

  size_t pending() const;
  size_t held_stripes() const { return held_list_.size(); }
  uint64_t commits() const { return commits_; }

 private:
  // Takes stripe s for the group: true if it was free (or already ours).
  bool TryKeep(uint16_t s);

  KeyLocks* locks_;
  std::unique_ptr<TxnStorage> overlay_;  // a TxnStorage over the server's storage
  std::bitset<KeyLocks::kStripes> held_;
  std::vector<uint16_t> held_list_;
  bool failed_ = false;
  uint64_t paused_until_ms_ = 0;
  uint64_t commits_ = 0;
  int lock_calls_ = 0;
};

// What handlers lock through (CommandContext::locks()): the server's KeyLocks, or the group of a
// joined command.
class Locker {
 public:
  Locker(KeyLocks* locks, GroupCommit* group) : locks_(locks), group_(group) {}

  KeyLocks::Guard Lock(std::string_view key) {
    return group_ != nullptr ? group_->Lock(key) : locks_->Lock(key);
  }
  template <typename Keys>
  KeyLocks::Guard LockAll(const Keys& keys) {
    if (group_ == nullptr) return locks_->LockAll(keys);
    std::vector<std::string_view> list;
    for (std::string_view k : keys) list.push_back(k);
    return group_->LockAll(list);
  }
  KeyLocks::Guard LockEverything() {
    if (group_ != nullptr) (void)group_->Commit();
    return locks_->LockEverything();
  }

 private:
  KeyLocks* locks_;
  GroupCommit* group_;
};

}  // namespace ringkv
