// GroupCommit: see group_commit.h for the invariants and why.

#include "txn/group_commit.h"

#include <algorithm>
#include <iterator>

#include "commands/command_table.h"
#include "log.h"
#include "txn/txn_storage.h"

namespace ringkv {
namespace {

thread_local GroupCommit* g_current = nullptr;

}  // namespace

GroupCommit::GroupCommit(storage::Storage* base, KeyLocks* locks)
    : locks_(locks), overlay_(std::make_unique<TxnStorage>(base)) {}

GroupCommit::~GroupCommit() { (void)Commit(); }

storage::Storage* GroupCommit::overlay() { return overlay_.get(); }
size_t GroupCommit::pending() const { return overlay_->pending(); }

GroupCommit* GroupCommit::Current() { return g_current; }
void GroupCommit::SetCurrent(GroupCommit* group) { g_current = group; }

bool GroupCommit::Joins(const CommandSpec& spec) const {
  if (spec.first_key <= 0 || (spec.flags & kCmdKeyspace) != 0) return false;
  // Issue 10's families follow the same rules (one lock call, storage through ctx.storage()).
  static const std::string_view kJoining[] = {"string", "generic", "hash", "list",
                                              "set", "sorted-set", "bitmap"};
  if (std::find(std::begin(kJoining), std::end(kJoining), spec.group) == std::end(kJoining)) {
    return false;
  }
  return paused_until_ms_ == 0 || storage::NowMs() >= paused_until_ms_;
}

bool GroupCommit::TryKeep(uint16_t s) {
  if (held_[s]) return true;
  if (!locks_->TryLockStripe(s)) return false;
  held_[s] = true;
  held_list_.push_back(s);
  return true;
}

KeyLocks::Guard GroupCommit::Lock(std::string_view key) {
  ++lock_calls_;
  auto s = static_cast<uint16_t>(KeyLocks::StripeOf(key));
  if (!TryKeep(s)) {
    // Another thread holds it: never wait while holding stripes.
    (void)Commit();
    locks_->LockStripe(s);
    held_[s] = true;
    held_list_.push_back(s);
  }
  return KeyLocks::Guard();
}

KeyLocks::Guard GroupCommit::LockAll(const std::vector<std::string_view>& keys) {
  ++lock_calls_;
  std::vector<uint16_t> stripes = KeyLocks::StripesOf(keys);
  for (uint16_t s : stripes) {
    if (TryKeep(s)) continue;
    // Busy: let everything go, then wait for all of them in stripe order.
    (void)Commit();
    for (uint16_t t : stripes) {
      locks_->LockStripe(t);
      held_[t] = true;
      held_list_.push_back(t);
    }
    break;
  }
  return KeyLocks::Guard();
}

Status GroupCommit::Commit() {
  Status s;
  if (overlay_->pending() != 0) {
    s = overlay_->Commit();
    overlay_->Clear();
    ++commits_;
    if (!s.ok()) {
      failed_ = true;
      paused_until_ms_ = storage::NowMs() + kFailurePauseMs;
      RINGKV_LOG(kWarning, "group commit failed, closing the clients waiting on it: %s",
                 s.ToReplyText().c_str());
    }
  }
  for (uint16_t stripe : held_list_) {
    held_[stripe] = false;
    locks_->UnlockStripe(stripe);
  }
  held_list_.clear();
  return s;
}

bool GroupCommit::TakeFailure() {
  bool failed = failed_;
  failed_ = false;
  return failed;
}

}  // namespace ringkv
