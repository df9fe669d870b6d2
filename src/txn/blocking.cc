// BlockingRegistry and the handler-side helpers: see blocking.h for the protocol.

#include "txn/blocking.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include "server_state.h"
#include "storage/key_codec.h"

namespace ringkv {

void BlockingRegistry::Add(const std::shared_ptr<Waiter>& w) {
  std::lock_guard<std::mutex> g(mu_);
  if (w->registered) return;
  w->registered = true;
  for (const std::string& k : w->keys) {
    auto& q = by_key_[k];
    bool present = false;
    for (const auto& other : q) present = present || other == w;  // BLPOP k k
    if (!present) q.push_back(w);
  }
  by_client_[w->client_id] = w;
  waiters_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::Remove(const std::shared_ptr<Waiter>& w) {
  std::lock_guard<std::mutex> g(mu_);
  if (!w->registered) return;
  w->registered = false;
  for (const std::string& k : w->keys) {
    auto it = by_key_.find(k);
    if (it == by_key_.end()) continue;
    auto& q = it->second;
    for (auto qi = q.begin(); qi != q.end(); ++qi) {
      if (*qi == w) {
        q.erase(qi);
        break;
      }
    }
    if (q.empty()) by_key_.erase(it);
  }
  auto c = by_client_.find(w->client_id);
  if (c != by_client_.end() && c->second == w) by_client_.erase(c);
  waiters_.fetch_sub(1, std::memory_order_relaxed);
}

void BlockingRegistry::Signal(std::string_view qualified_key, storage::ValueType type) {
  std::shared_ptr<Waiter> woken;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = by_key_.find(std::string(qualified_key));
    if (it == by_key_.end()) return;
    for (const auto& w : it->second) {
      if (w->type != type) continue;
      // The first waiter for this type. Already woken: it will pass the signal on when served.
      int expected = Waiter::kNone;
      if (w->wake.compare_exchange_strong(expected, Waiter::kReady)) {
        w->ready_key.assign(qualified_key.data(), qualified_key.size());
        woken = w;
      }
      break;
    }
  }
  if (woken && woken->post) woken->post(woken);
}

bool BlockingRegistry::OthersWaiting(std::string_view qualified_key, uint64_t client_id) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = by_key_.find(std::string(qualified_key));
  if (it == by_key_.end()) return false;
  for (const auto& w : it->second) {
    if (w->client_id != client_id) return true;
  }
  return false;
}

void BlockingRegistry::WakeDatabases(uint8_t a, uint8_t b) {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard<std::mutex> g(mu_);
    for (const auto& [id, w] : by_client_) {
      bool hit = false;
      for (const std::string& k : w->keys) {
        hit = hit ||
              (!k.empty() && (static_cast<uint8_t>(k[0]) == a || static_cast<uint8_t>(k[0]) == b));
      }
      int expected = Waiter::kNone;
      if (hit && w->wake.compare_exchange_strong(expected, Waiter::kReady)) {
        w->ready_key.clear();
        woken.push_back(w);
      }
    }
  }
  for (const auto& w : woken) {
    if (w->post) w->post(w);
  }
}

bool BlockingRegistry::Unblock(uint64_t client_id, bool error) {
  std::shared_ptr<Waiter> w;
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = by_client_.find(client_id);
    if (it == by_client_.end()) return false;
    w = it->second;
    // An unblock overrides a pending ready wake-up: the client gets what CLIENT UNBLOCK asked.
    w->wake.store(error ? Waiter::kUnblockError : Waiter::kUnblockTimeout);
  }
  if (w->post) w->post(w);
  return true;
}

// ---------------------------------------------------------------------------------------------

Status ParseBlockTimeout(std::string_view arg, int64_t* ms) {
  // string2ld: the whole argument, no leading space, below 5 KiB, not NaN, no overflow or
  // underflow.
  constexpr size_t kMaxChars = 5 * 1024;
  if (arg.empty() || arg.size() >= kMaxChars || std::isspace(static_cast<unsigned char>(arg[0]))) {
    return Status::Err("timeout is not a float or out of range");
  }
  char buf[kMaxChars];
  std::memcpy(buf, arg.data(), arg.size());
  buf[arg.size()] = '\0';
  char* end;
  errno = 0;
  long double seconds = std::strtold(buf, &end);
  if (static_cast<size_t>(end - buf) != arg.size() || std::isnan(seconds) ||
      (errno == ERANGE && (std::isinf(seconds) || seconds == 0))) {
    return Status::Err("timeout is not a float or out of range");
  }
  // Redis casts ceill(seconds * 1000) to long long; out of range (inf included), x86-64 gives
  // LLONG_MIN, so such a timeout is "negative".
  long double t = std::ceil(seconds * 1000.0L);
  constexpr long double kTwo63 = 9223372036854775808.0L;
  int64_t v =
      (t >= -kTwo63 && t < kTwo63) ? static_cast<int64_t>(t) : std::numeric_limits<int64_t>::min();
  if (v < 0) return Status::Err("timeout is negative");
  *ms = v;
  return Status::OK();
}

bool MayBlock(const CommandContext& ctx) {
  const BlockState& b = ctx.client.block;
  return b.post != nullptr && ctx.txn_storage == nullptr && !b.timed_out &&
         (!ctx.client.is_peer || ctx.client.peer_may_block);
}

bool ShouldQueueBehindOthers(CommandContext& ctx, const std::vector<std::string_view>& keys) {
  if (!MayBlock(ctx) || ctx.server.blocking.Idle()) return false;
  for (std::string_view k : keys) {
    if (ctx.server.blocking.OthersWaiting(ctx.QualifiedKey(k), ctx.client.id)) {
      // On a retry this client is at the head of its queues (it was signalled first), so it
      // does not wait for the ones behind it.
      if (ctx.client.block.retry) return false;
      return true;
    }
  }
  return false;
}

std::vector<std::string_view> ServeOrder(CommandContext& ctx,
                                         const std::vector<std::string_view>& keys) {
  std::vector<std::string_view> out(keys);
  const BlockState& b = ctx.client.block;
  if (!b.retry || !b.waiter || b.waiter->ready_key.empty()) return out;
  for (size_t i = 0; i < out.size(); ++i) {
    if (ctx.QualifiedKey(out[i]) == b.waiter->ready_key) {
      std::rotate(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(i),
                  out.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      break;
    }
  }
  return out;
}

void Block(CommandContext& ctx, const std::vector<std::string_view>& keys, storage::ValueType type,
           uint64_t deadline_ms) {
  BlockState& b = ctx.client.block;
  b.requested = true;
  if (b.retry && b.waiter) {
    std::vector<std::string> now;
    for (std::string_view k : keys) now.push_back(ctx.QualifiedKey(k));
    if (now == b.waiter->keys) {
      // Still nothing to serve: keep the place in the queues, wait for the next signal.
      b.waiter->wake.store(Waiter::kNone);
      return;
    }
    // SWAPDB moved the client's database: wait on the keys its index names now.
    ctx.server.blocking.Remove(b.waiter);
  }
  auto w = std::make_shared<Waiter>();
  if (b.waiter) w->deadline_ms = b.waiter->deadline_ms;
  w->client_id = ctx.client.id;
  w->type = type;
  if (w->deadline_ms == 0) w->deadline_ms = deadline_ms;
  w->post = b.post;
  for (std::string_view k : keys) w->keys.push_back(ctx.QualifiedKey(k));
  b.waiter = w;
  ctx.server.blocking.Add(w);
}

}  // namespace ringkv
