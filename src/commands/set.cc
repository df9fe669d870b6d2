// Set commands (issue 10): SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER,
// SMOVE, SINTER, SINTERCARD, SUNION, SDIFF and their *STORE forms, and SSCAN, with Redis 7.0.15's
// replies, error texts and option rules (t_set.c).
//
// Storage: a set is one metadata record plus one element record per member (sub = member, value
// empty; collections.h), so members come out of an iterator in bytewise order. That order does
// the heavy lifting here:
// - SUNION is a k-way merge of the sources' iterators: sorted, deduplicated, streamed; no copy.
// - SINTER / SINTERCARD walk the smallest source and probe the others with point reads; SDIFF
//   walks the first source and probes the rest. Results stream straight into the reply; as the
//   count is known only at the end, the set header is inserted in front of them afterwards.
// - *STORE writes the result under a new version of the destination in one batch with its
//   metadata: whatever the destination was (any type), it is replaced at once (O(1) for the old
//   incarnation), or deleted when the result is empty.
// - Random picks are exactly uniform: one walks to a random index (O(N) steps: the encoding has
//   no order statistics), k distinct ones use selection sampling (Knuth's algorithm S) in one
//   walk. Memory is bounded by the set or the reply, never by a client's count; SRANDMEMBER with
//   a huge negative count stops where Redis's output-buffer limit would close the client.
// - SSCAN's cursor encodes a position in member order (see the SSCAN section), so a full
//   iteration returns every member present throughout, whatever is added or removed meanwhile.
//
// Locking: every handler takes its keys' stripes once (Lock or LockAll) before its first read.

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "commands/collection.h"
#include "errors.h"
#include "server_state.h"
#include "storage/collections.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {
namespace {

using cmd::Collection;
using cmd::MarkDirty;
using cmd::OpenCollection;
using cmd::RandomBelow;
using cmd::Rng;
using resp::ReplyWriter;
using storage::ElementIterator;
using storage::ValueType;
using storage::WriteBatch;

constexpr std::string_view kTooManyKeys = "Number of keys can't be greater than number of args";
constexpr std::string_view kLimitNegative = "LIMIT can't be negative";

// SPOP with a count: when what stays is this many times smaller than what goes, the survivors
// are written under a new version instead of deleting the popped members (Redis's
// SPOP_MOVE_STRATEGY_MUL): fewer records either way.
constexpr uint64_t kSpopMoveStrategyMul = 5;

// With no client-output-buffer-limit for normal clients (Redis's default), Redis would grow a
// reply without bound; ringkv stops a repeated-pick reply (SRANDMEMBER -count) at this size and
// closes the client as if a limit had been reached, rather than exhaust the process's memory.
constexpr size_t kUnlimitedReplyGuard = size_t{1} << 30;

Status Corrupt() { return Status::Corruption("set size does not match its members"); }

// ---------------------------------------------------------------------------------------------
// Small helpers

Status OpenSet(CommandContext& ctx, std::string_view key, Collection* c, bool read) {
  return OpenCollection(ctx, key, ValueType::kSet, c, read);
}

// Is `member` in c? False for a set that does not exist.
Status IsMember(CommandContext& ctx, const Collection& c, std::string_view member, bool* found) {
  *found = false;
  if (!c.exists) return Status::OK();
  std::string value;
  Status s = cmd::GetElement(ctx, c, member, &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  *found = true;
  return Status::OK();
}

// A set (RESP3 "~") or array reply whose length is known only after its elements are written:
// the header is inserted in front of them at the end (Redis's addReplyDeferredLen).
class DeferredReply {
 public:
  enum Kind { kSet, kArray };
  DeferredReply(ReplyWriter* reply, Kind kind)
      : reply_(reply), kind_(kind), at_(reply->buffer()->size()) {}
  void Add(std::string_view member) {
    reply_->Bulk(member);
    ++n_;
  }
  uint64_t size() const { return n_; }
  size_t bytes() const { return reply_->buffer()->size() - at_; }
  void Finish() { Finish(n_); }
  // Announces n elements (SRANDMEMBER's cut reply announces more than it holds).
  void Finish(uint64_t n) {
    std::string header;
    ReplyWriter w(&header, reply_->proto());
    if (kind_ == kSet) {
      w.SetHeader(n);
    } else {
      w.ArrayHeader(n);
    }
    reply_->buffer()->insert(at_, header);
  }

 private:
  ReplyWriter* reply_;
  Kind kind_;
  size_t at_;
  uint64_t n_ = 0;
};

// The member at index r (0 <= r < size) of c. The walk always goes forward: a reverse walk
// looks shorter, but RocksDB's Prev (on the memtable especially) costs many times a Next.
Status NthMember(CommandContext& ctx, const Collection& c, uint64_t r, std::string* out) {
  std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
  for (; it->Valid() && r > 0; it->Next()) --r;
  if (!it->status().ok()) return it->status();
  if (!it->Valid()) return Corrupt();
  out->assign(c.Sub(it->key()));
  return Status::OK();
}

// k distinct members of c chosen uniformly (0 < k < size), in random order. Selection sampling:
// one walk, each member taken with probability (still needed) / (still unseen). When `rest` is
// given, the members not chosen are appended to it (the walk then goes to the end).
Status SampleDistinct(CommandContext& ctx, const Collection& c, uint64_t k,
                      std::vector<std::string>* chosen, std::vector<std::string>* rest) {
  uint64_t unseen = c.meta.size;
  uint64_t needed = k;
  std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
  for (; it->Valid() && unseen > 0; it->Next(), --unseen) {
    if (needed > 0 && RandomBelow(unseen) < needed) {
      chosen->emplace_back(c.Sub(it->key()));
      --needed;
    } else if (rest != nullptr) {
      rest->emplace_back(c.Sub(it->key()));
    } else if (needed == 0) {
      break;
    }
  }
  if (!it->status().ok()) return it->status();
  if (needed > 0) return Corrupt();
  std::shuffle(chosen->begin(), chosen->end(), Rng());
  return Status::OK();
}

// Streams every member of c into `reply` under a header of meta.size (set or array).
Status ReplyAll(CommandContext& ctx, const Collection& c, bool as_set, ReplyWriter* reply) {
  cmd::ReplyMark mark(reply);
  if (as_set) {
    reply->SetHeader(c.meta.size);
  } else {
    reply->ArrayHeader(c.meta.size);
  }
  uint64_t n = 0;
  std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
  for (; it->Valid() && n < c.meta.size; it->Next(), ++n) reply->Bulk(c.Sub(it->key()));
  if (!it->status().ok()) return mark.Rewind(it->status());
  if (n != c.meta.size) return mark.Rewind(Corrupt());
  return Status::OK();
}

// The destination of a *STORE command: a fresh incarnation of `key` as a set, replacing whatever
// the key holds (any type), with no expiry; dst->exists says whether the key holds anything.
Status NewDestination(CommandContext& ctx, std::string_view key, Collection* dst) {
  storage::Entry e;
  bool found;
  Status s = cmd::LookupMeta(ctx, key, &e, &found);
  if (!s.ok()) return s;
  dst->key.assign(key.data(), key.size());
  dst->qualified = ctx.QualifiedKey(key);
  dst->type = ValueType::kSet;
  dst->exists = found;
  dst->expire_at_ms = 0;
  dst->meta = storage::CollectionMeta();
  dst->meta.version = storage::NewVersion();
  return Status::OK();
}

// Writes a *STORE result (elements already in `batch` under dst's version, dst.meta.size set):
// the destination's metadata, or its deletion when the result is empty. Replies with the size.
Status FinishStore(CommandContext& ctx, const Collection& dst, WriteBatch* batch,
                   ReplyWriter* reply) {
  Status s = cmd::Commit(ctx, dst, batch);
  if (!s.ok()) return s;
  if (dst.meta.size > 0 || dst.exists) MarkDirty(ctx);
  reply->Integer(static_cast<int64_t>(dst.meta.size));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// SADD, SREM, SISMEMBER, SMISMEMBER, SCARD, SMEMBERS

Status CmdSAdd(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, false);
  if (!s.ok()) return s;
  WriteBatch batch;
  std::unordered_set<std::string_view> seen;  // repeats within this command
  int64_t added = 0;
  for (size_t i = 2; i < args.size(); ++i) {
    if (!seen.insert(args[i]).second) continue;
    bool found;
    s = IsMember(ctx, c, args[i], &found);
    if (!s.ok()) return s;
    if (found) continue;
    batch.PutElement(c.Element(args[i]), "");
    ++added;
  }
  if (added > 0) {
    c.meta.size += static_cast<uint64_t>(added);
    s = cmd::Commit(ctx, c, &batch);
    if (!s.ok()) return s;
    MarkDirty(ctx, static_cast<uint64_t>(added));
  }
  reply->Integer(added);
  return Status::OK();
}

Status CmdSRem(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, false);
  if (!s.ok()) return s;
  WriteBatch batch;
  std::unordered_set<std::string_view> seen;
  int64_t removed = 0;
  for (size_t i = 2; c.exists && i < args.size(); ++i) {
    if (!seen.insert(args[i]).second) continue;
    bool found;
    s = IsMember(ctx, c, args[i], &found);
    if (!s.ok()) return s;
    if (!found) continue;
    batch.DeleteElement(c.Element(args[i]));
    ++removed;
  }
  if (removed > 0) {
    c.meta.size -= static_cast<uint64_t>(removed);
    s = cmd::Commit(ctx, c, &batch);  // deletes the key when it becomes empty
    if (!s.ok()) return s;
    MarkDirty(ctx, static_cast<uint64_t>(removed));
  }
  reply->Integer(removed);
  return Status::OK();
}

Status CmdSIsMember(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  bool found;
  s = IsMember(ctx, c, args[2], &found);
  if (!s.ok()) return s;
  reply->Integer(found ? 1 : 0);
  return Status::OK();
}

// A missing key is an empty set: a row of zeros.
Status CmdSMIsMember(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  cmd::ReplyMark mark(reply);
  reply->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    bool found;
    s = IsMember(ctx, c, args[i], &found);
    if (!s.ok()) return mark.Rewind(std::move(s));
    reply->Integer(found ? 1 : 0);
  }
  return Status::OK();
}

Status CmdSCard(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  reply->Integer(static_cast<int64_t>(c.meta.size));
  return Status::OK();
}

// SMEMBERS is SINTER of one key in Redis 7.0: a set reply, empty for a missing key.
Status CmdSMembers(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  return ReplyAll(ctx, c, true, reply);
}

// ---------------------------------------------------------------------------------------------
// SPOP, SRANDMEMBER

// SPOP key count. Redis's rules: the count is checked first ("must be positive"), then the key;
// count 0 or a missing key is an empty set; count >= size pops (and deletes) the whole set.
Status SPopWithCount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t count;
  Status s = cmd::ParsePopCount(args[2], &count);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = OpenSet(ctx, args[1], &c, false);
  if (!s.ok()) return s;
  if (!c.exists || count == 0) {
    reply->SetHeader(0);
    return Status::OK();
  }
  const uint64_t k = static_cast<uint64_t>(count);
  cmd::ReplyMark mark(reply);
  WriteBatch batch;
  if (k >= c.meta.size) {
    s = ReplyAll(ctx, c, true, reply);
    if (!s.ok()) return s;
    const uint64_t popped = c.meta.size;
    c.meta.size = 0;
    s = cmd::Commit(ctx, c, &batch);  // the key's deletion: O(1) whatever its size
    if (!s.ok()) return mark.Rewind(std::move(s));
    MarkDirty(ctx, popped);
    return Status::OK();
  }

  const uint64_t remaining = c.meta.size - k;
  const bool move = remaining * kSpopMoveStrategyMul <= k;
  std::vector<std::string> popped;
  std::vector<std::string> kept;
  s = SampleDistinct(ctx, c, k, &popped, move ? &kept : nullptr);
  if (!s.ok()) return s;
  if (move) {  // the survivors move to a new incarnation; the old one is dropped whole
    c.meta.version = storage::NewVersion();
    for (const std::string& m : kept) batch.PutElement(c.Element(m), "");
  } else {
    for (const std::string& m : popped) batch.DeleteElement(c.Element(m));
  }
  c.meta.size = remaining;
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, k);
  reply->SetHeader(popped.size());
  for (const std::string& m : popped) reply->Bulk(m);
  return Status::OK();
}

// SPOP key / SRANDMEMBER key (no count): one random member, a null for a missing key; SPOP
// (`pop`) removes it. A count argument goes to SPopWithCount / SRandMemberWithCount instead.
Status OneRandomMember(CommandContext& ctx, const ArgList& args, bool pop, ReplyWriter* reply) {
  if (args.size() > 3) return cmd::SyntaxError();
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenSet(ctx, args[1], &c, /*read=*/!pop);
  if (!s.ok()) return s;
  if (!c.exists) {
    reply->Null();
    return Status::OK();
  }
  std::string member;
  s = NthMember(ctx, c, RandomBelow(c.meta.size), &member);
  if (!s.ok()) return s;
  if (pop) {
    WriteBatch batch;
    batch.DeleteElement(c.Element(member));
    c.meta.size -= 1;
    s = cmd::Commit(ctx, c, &batch);
    if (!s.ok()) return s;
    MarkDirty(ctx);
  }
  reply->Bulk(member);
  return Status::OK();
}

Status CmdSPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  if (args.size() == 3) return SPopWithCount(ctx, args, reply);
  return OneRandomMember(ctx, args, /*pop=*/true, reply);
}

// SRANDMEMBER key -k: k picks with repetition, in random order. Memory stays within the order
// of the reply: a set no larger than k is read whole; otherwise k indexes are drawn, sorted and
// filled in one walk. The reply stops (and the client is closed, as Redis's CLIENT_CLOSE_ASAP
// does) once it passes the normal clients' hard output limit, or kUnlimitedReplyGuard.
Status SRandRepeated(CommandContext& ctx, const Collection& c, uint64_t k, ReplyWriter* reply) {
  size_t cap = kUnlimitedReplyGuard;
  {
    std::lock_guard<std::mutex> g(ctx.config().mu());
    const int64_t hard = ctx.config().output_limit_normal.hard;
    if (hard > 0) cap = static_cast<size_t>(hard);
  }
  // Every element costs at least 6 bytes ("$0\r\n\r\n"), so no more than this many picks can be
  // written before the cap cuts the reply: nothing is allocated for picks beyond it.
  const uint64_t picks = std::min<uint64_t>(k, cap / 6 + 1);
  const bool whole = picks >= c.meta.size;
  std::vector<std::string> pool;  // the whole set, or the member of each drawn slot
  if (whole) {
    std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
    for (; it->Valid() && pool.size() < c.meta.size; it->Next()) {
      pool.emplace_back(c.Sub(it->key()));
    }
    if (!it->status().ok()) return it->status();
    if (pool.size() != c.meta.size) return Corrupt();
  } else {
    std::vector<std::pair<uint64_t, uint64_t>> draws;  // (member index, slot); picks < size
    for (uint64_t i = 0; i < picks; ++i) draws.emplace_back(RandomBelow(c.meta.size), i);
    std::sort(draws.begin(), draws.end());
    pool.resize(draws.size());
    std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
    uint64_t index = 0;
    size_t d = 0;
    for (; it->Valid() && d < draws.size(); it->Next(), ++index) {
      for (; d < draws.size() && draws[d].first == index; ++d) {
        pool[draws[d].second].assign(c.Sub(it->key()));
      }
    }
    if (!it->status().ok()) return it->status();
    if (d != draws.size()) return Corrupt();
  }

  DeferredReply out(reply, DeferredReply::kArray);
  for (uint64_t i = 0; i < k; ++i) {
    if (out.bytes() > cap || (!whole && i == picks)) {
      ctx.client.close_after_reply = true;
      break;
    }
    out.Add(whole ? pool[RandomBelow(pool.size())] : pool[i]);
  }
  // The header announces k even when the reply was cut: the client is being closed anyway, as
  // Redis's is, and a shorter header would make a truncated reply look complete.
  out.Finish(k);
  return Status::OK();
}

// SRANDMEMBER key count. The count is parsed first (range -LONG_MAX..LONG_MAX), then the key.
Status SRandMemberWithCount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t count;
  Status s = cmd::ParseRandomCount(args[2], &count);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = OpenSet(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  if (!c.exists || count == 0) {
    reply->ArrayHeader(0);
    return Status::OK();
  }
  if (count < 0 || count == 1) {
    return SRandRepeated(ctx, c, static_cast<uint64_t>(count < 0 ? -count : count), reply);
  }
  const uint64_t k = static_cast<uint64_t>(count);
  if (k >= c.meta.size) return ReplyAll(ctx, c, false, reply);
  std::vector<std::string> chosen;
  s = SampleDistinct(ctx, c, k, &chosen, nullptr);
  if (!s.ok()) return s;
  reply->ArrayHeader(chosen.size());
  for (const std::string& m : chosen) reply->Bulk(m);
  return Status::OK();
}

Status CmdSRandMember(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  if (args.size() == 3) return SRandMemberWithCount(ctx, args, reply);
  return OneRandomMember(ctx, args, /*pop=*/false, reply);
}

// ---------------------------------------------------------------------------------------------
// SMOVE

// Redis's order: a missing source answers 0 before any type check; then WRONGTYPE for either
// key; the same key on both sides answers whether the member is there.
Status CmdSMove(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view src_key = args[1];
  std::string_view dst_key = args[2];
  std::string_view member = args[3];
  const std::string_view keys[] = {src_key, dst_key};
  auto guard = ctx.locks().LockAll(keys);

  Collection src, dst;
  Status s = OpenSet(ctx, src_key, &src, false);
  if (s.ok() && !src.exists) {  // checked before the destination's type
    reply->Integer(0);
    return Status::OK();
  }
  if (!s.ok()) return s;
  s = OpenSet(ctx, dst_key, &dst, false);
  if (!s.ok()) return s;

  bool in_src;
  s = IsMember(ctx, src, member, &in_src);
  if (!s.ok()) return s;
  if (src_key == dst_key || !in_src) {
    reply->Integer(in_src ? 1 : 0);
    return Status::OK();
  }
  bool in_dst;
  s = IsMember(ctx, dst, member, &in_dst);
  if (!s.ok()) return s;

  WriteBatch batch;
  batch.DeleteElement(src.Element(member));
  src.meta.size -= 1;
  cmd::StoreMeta(src, &batch);
  if (!in_dst) {
    batch.PutElement(dst.Element(member), "");
    dst.meta.size += 1;
    cmd::StoreMeta(dst, &batch);
  }
  s = ctx.storage().Write(batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, in_dst ? 1 : 2);
  reply->Integer(1);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// SINTER, SINTERCARD, SINTERSTORE, SUNION, SDIFF, SUNIONSTORE, SDIFFSTORE

enum class AlgebraOut { kReply, kCard, kStore };

// Opens every key as a set for reading (hits/misses counted), in argument order; the first key
// of another type answers WRONGTYPE, even after a missing key (as Redis looks them all up).
Status OpenSources(CommandContext& ctx, const std::string_view* keys, size_t n,
                   std::vector<Collection>* sets) {
  sets->resize(n);
  for (size_t i = 0; i < n; ++i) {
    Status s = OpenSet(ctx, keys[i], &(*sets)[i], true);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

// Where an algebra result goes: the reply (deferred set header), a count, or a destination.
class AlgebraSink {
 public:
  AlgebraSink(AlgebraOut out, ReplyWriter* reply, Collection* dst, WriteBatch* batch)
      : out_(out), reply_(reply), dst_(dst), batch_(batch), mark_(reply) {
    if (out_ == AlgebraOut::kReply) deferred_.emplace(reply, DeferredReply::kSet);
  }
  void Add(std::string_view member) {
    ++n_;
    if (out_ == AlgebraOut::kReply) {
      deferred_->Add(member);
    } else if (out_ == AlgebraOut::kStore) {
      batch_->PutElement(dst_->Element(member), "");
    }
  }
  uint64_t size() const { return n_; }
  // Takes back a partly streamed reply after a failure.
  Status Fail(Status s) { return mark_.Rewind(std::move(s)); }
  Status Finish(CommandContext& ctx) {
    switch (out_) {
      case AlgebraOut::kReply:
        deferred_->Finish();
        return Status::OK();
      case AlgebraOut::kCard:
        reply_->Integer(static_cast<int64_t>(n_));
        return Status::OK();
      case AlgebraOut::kStore:
        dst_->meta.size = n_;
        return FinishStore(ctx, *dst_, batch_, reply_);
    }
    return Status::OK();
  }

 private:
  AlgebraOut out_;
  ReplyWriter* reply_;
  Collection* dst_;
  WriteBatch* batch_;
  cmd::ReplyMark mark_;
  std::optional<DeferredReply> deferred_;  // kReply only
  uint64_t n_ = 0;
};

// sinterGenericCommand. `limit` (SINTERCARD) stops counting there; 0 = no limit.
Status SInterGeneric(CommandContext& ctx, const std::string_view* keys, size_t n,
                     std::string_view dst_key, AlgebraOut out, uint64_t limit, ReplyWriter* reply) {
  std::vector<Collection> sets;
  Status s = OpenSources(ctx, keys, n, &sets);
  if (!s.ok()) return s;
  Collection dst;
  WriteBatch batch;
  if (out == AlgebraOut::kStore) {
    s = NewDestination(ctx, dst_key, &dst);
    if (!s.ok()) return s;
  }
  AlgebraSink sink(out, reply, &dst, &batch);
  const bool any_missing =
      std::any_of(sets.begin(), sets.end(), [](const Collection& c) { return !c.exists; });
  if (any_missing) return sink.Finish(ctx);  // intersecting with an empty set

  // Walk the smallest set; probe the others (each distinct key once).
  std::stable_sort(sets.begin(), sets.end(), [](const Collection& a, const Collection& b) {
    return a.meta.size < b.meta.size;
  });
  std::vector<const Collection*> probes;
  for (size_t i = 1; i < sets.size(); ++i) {
    if (sets[i].qualified == sets[0].qualified) continue;
    bool repeat = false;
    for (const Collection* p : probes) repeat = repeat || p->qualified == sets[i].qualified;
    if (!repeat) probes.push_back(&sets[i]);
  }
  std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, sets[0]);
  for (; it->Valid(); it->Next()) {
    std::string_view member = sets[0].Sub(it->key());
    bool in_all = true;
    for (const Collection* p : probes) {
      s = IsMember(ctx, *p, member, &in_all);
      if (!s.ok()) return sink.Fail(std::move(s));
      if (!in_all) break;
    }
    if (!in_all) continue;
    sink.Add(member);
    if (limit != 0 && sink.size() >= limit) break;
  }
  if (!it->status().ok()) return sink.Fail(it->status());
  s = sink.Finish(ctx);
  if (!s.ok()) return sink.Fail(std::move(s));
  return Status::OK();
}

// SUNION: a k-way merge of the sources' iterators (all ascending by member), each member once.
Status SUnion(CommandContext& ctx, const std::vector<Collection>& sets, AlgebraSink* sink) {
  struct Cursor {
    std::unique_ptr<ElementIterator> it;
    size_t prefix;  // element key bytes before the member
    std::string_view member() const { return it->key().substr(prefix); }
  };
  std::vector<Cursor> cursors;
  for (const Collection& c : sets) {
    if (!c.exists) continue;
    Cursor cur{cmd::Elements(ctx, c), c.Prefix().size()};
    if (!cur.it->status().ok()) return cur.it->status();
    if (cur.it->Valid()) cursors.push_back(std::move(cur));
  }
  auto greater = [&cursors](size_t a, size_t b) {
    return cursors[a].member() > cursors[b].member();
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < cursors.size(); ++i) heap.push(i);
  std::string last;
  bool any = false;
  while (!heap.empty()) {
    size_t i = heap.top();
    heap.pop();
    std::string_view member = cursors[i].member();
    if (!any || member != last) {
      sink->Add(member);
      last.assign(member);
      any = true;
    }
    cursors[i].it->Next();
    if (cursors[i].it->Valid()) {
      heap.push(i);
    } else if (!cursors[i].it->status().ok()) {
      return cursors[i].it->status();
    }
  }
  return Status::OK();
}

// SDIFF: the first set's members found in none of the others. A later key equal to the first
// makes the result empty (Redis's "sameset").
Status SDiff(CommandContext& ctx, const std::vector<Collection>& sets, AlgebraSink* sink) {
  const Collection& first = sets[0];
  if (!first.exists) return Status::OK();
  std::vector<const Collection*> probes;
  for (size_t i = 1; i < sets.size(); ++i) {
    if (!sets[i].exists) continue;
    if (sets[i].qualified == first.qualified) return Status::OK();
    probes.push_back(&sets[i]);
  }
  std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, first);
  for (; it->Valid(); it->Next()) {
    std::string_view member = first.Sub(it->key());
    bool elsewhere = false;
    for (const Collection* p : probes) {
      Status s = IsMember(ctx, *p, member, &elsewhere);
      if (!s.ok()) return s;
      if (elsewhere) break;
    }
    if (!elsewhere) sink->Add(member);
  }
  return it->status();
}

enum class SetOp { kUnion, kDiff };

Status SUnionDiffGeneric(CommandContext& ctx, const std::string_view* keys, size_t n,
                         std::string_view dst_key, AlgebraOut out, SetOp op, ReplyWriter* reply) {
  std::vector<Collection> sets;
  Status s = OpenSources(ctx, keys, n, &sets);
  if (!s.ok()) return s;
  Collection dst;
  WriteBatch batch;
  if (out == AlgebraOut::kStore) {
    s = NewDestination(ctx, dst_key, &dst);
    if (!s.ok()) return s;
  }
  AlgebraSink sink(out, reply, &dst, &batch);
  s = op == SetOp::kUnion ? SUnion(ctx, sets, &sink) : SDiff(ctx, sets, &sink);
  if (!s.ok()) return sink.Fail(std::move(s));
  s = sink.Finish(ctx);
  if (!s.ok()) return sink.Fail(std::move(s));
  return Status::OK();
}

// The keys of SINTER key... (from 1) or of SINTERSTORE dst key... (from 2, dst first).
cmd::ArgSpan KeysFrom(const ArgList& args, size_t first) {
  return cmd::ArgSpan{args.data() + first, args.size() - first};
}

Status CmdSInter(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SInterGeneric(ctx, args.data() + 1, args.size() - 1, {}, AlgebraOut::kReply, 0, reply);
}

Status CmdSInterStore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SInterGeneric(ctx, args.data() + 2, args.size() - 2, args[1], AlgebraOut::kStore, 0,
                       reply);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]: arguments are checked before any key.
Status CmdSInterCard(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t numkeys;
  if (!ParseInt64(args[1], &numkeys) || numkeys < 1)
    return Status::Err(std::string(errors::kNumKeysPositive));
  if (static_cast<uint64_t>(numkeys) > args.size() - 2) {
    return Status::Err(std::string(kTooManyKeys));
  }
  const size_t n = static_cast<size_t>(numkeys);
  int64_t limit = 0;
  for (size_t j = 2 + n; j < args.size(); ++j) {
    if (EqualsIgnoreCase(args[j], "limit") && j + 1 < args.size()) {
      ++j;
      if (!ParseInt64(args[j], &limit) || limit < 0) {
        return Status::Err(std::string(kLimitNegative));
      }
    } else {
      return cmd::SyntaxError();
    }
  }
  auto guard = ctx.locks().LockAll(cmd::ArgSpan{args.data() + 2, n});
  return SInterGeneric(ctx, args.data() + 2, n, {}, AlgebraOut::kCard, static_cast<uint64_t>(limit),
                       reply);
}

Status CmdSUnion(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SUnionDiffGeneric(ctx, args.data() + 1, args.size() - 1, {}, AlgebraOut::kReply,
                           SetOp::kUnion, reply);
}

Status CmdSUnionStore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SUnionDiffGeneric(ctx, args.data() + 2, args.size() - 2, args[1], AlgebraOut::kStore,
                           SetOp::kUnion, reply);
}

Status CmdSDiff(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SUnionDiffGeneric(ctx, args.data() + 1, args.size() - 1, {}, AlgebraOut::kReply,
                           SetOp::kDiff, reply);
}

Status CmdSDiffStore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().LockAll(KeysFrom(args, 1));
  return SUnionDiffGeneric(ctx, args.data() + 2, args.size() - 2, args[1], AlgebraOut::kStore,
                           SetOp::kDiff, reply);
}

// ---------------------------------------------------------------------------------------------
// SSCAN
//
// The cursor names a position in member (byte) order, stateless, in 64 bits:
//   bits 63..59  L: a prefix length, the members' longest common prefix when the cursor was made
//                (capped at 31)
//   bits 58..56  n: how many chunk bytes follow (0..7)
//   bits 55..0   chunk: up to 7 bytes that follow those L bytes, left-aligned
// It stands for the position P = (the set's first L bytes) + chunk[0..n). Every member below P
// was returned before. A call returns members from P on, COUNT of them and then the rest of the
// group sharing the last one's first L+7 bytes, and answers the position of the next member,
// truncated to L+7 bytes: a position above everything returned, so each call makes progress and
// the members in between come again at most (duplicates are allowed, misses are not).
// Sets whose members share a long prefix ("user:...") still split finely, since L skips it. If
// the common prefix has become shorter than L since the cursor was made, the L bytes are no
// longer known and the iteration restarts from the beginning (again, duplicates only).
// Cursor 0 is P = "" (the start); the next position is never "", so 0 still means "done".

constexpr size_t kScanPrefixMax = 31;
constexpr size_t kScanChunk = 7;

uint64_t EncodeScanCursor(size_t lcp, std::string_view next) {
  std::string_view chunk = next.substr(lcp, kScanChunk);
  uint64_t v = (uint64_t{lcp} << 59) | (uint64_t{chunk.size()} << 56);
  for (size_t i = 0; i < chunk.size(); ++i) {
    v |= uint64_t{static_cast<uint8_t>(chunk[i])} << (48 - 8 * i);
  }
  return v;
}

// The position a cursor stands for, given the set's current first member and common prefix
// length; "" (the start) when it cannot be known.
std::string DecodeScanCursor(uint64_t cursor, std::string_view first, size_t lcp) {
  if (cursor == 0) return {};
  const size_t l = static_cast<size_t>(cursor >> 59);
  const size_t n = std::min<size_t>(static_cast<size_t>((cursor >> 56) & 7), kScanChunk);
  if (l > lcp) return {};
  std::string pos(first.substr(0, l));
  for (size_t i = 0; i < n; ++i) pos.push_back(static_cast<char>((cursor >> (48 - 8 * i)) & 0xff));
  return pos;
}

void ScanReply(uint64_t next, const std::vector<std::string>& members, ReplyWriter* reply) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), next);
  reply->ArrayHeader(2);
  reply->Bulk(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
  reply->ArrayHeader(members.size());
  for (const std::string& m : members) reply->Bulk(m);
}

// The cursor is checked first, then the key (missing: an empty scan, options unchecked), then
// the options. A small all-integer set (Redis's intset encoding) comes whole with cursor 0, as
// Redis returns it.
Status CmdSScan(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  uint64_t cursor;
  Collection c;
  cmd::ScanOptions opt;
  bool open;
  Status s = cmd::OpenForScan(ctx, args, ValueType::kSet, &cursor, &c, &opt, reply, &open);
  if (!open) return s;
  std::vector<std::string> members;  // at most COUNT plus one group, bounded by the set

  const int64_t intset_max = ctx.config().set_max_intset_entries.load(std::memory_order_relaxed);
  if (static_cast<int64_t>(c.meta.size) <= intset_max) {
    bool all_int = true;
    std::unique_ptr<ElementIterator> it = cmd::Elements(ctx, c);
    for (; it->Valid() && all_int; it->Next()) {
      int64_t v;
      std::string_view m = c.Sub(it->key());
      all_int = ParseInt64(m, &v);
      if (opt.Matches(m)) members.emplace_back(m);
    }
    if (!it->status().ok()) return it->status();
    if (all_int) {
      ScanReply(0, members, reply);
      return Status::OK();
    }
    members.clear();
  }

  // The set's first member and common prefix length (all members lie between first and last).
  std::string first;
  size_t lcp = 0;
  {
    std::unique_ptr<ElementIterator> lo = cmd::Elements(ctx, c);
    std::unique_ptr<ElementIterator> hi = cmd::Elements(ctx, c, true);
    if (!lo->Valid() || !hi->Valid()) {
      if (!lo->status().ok()) return lo->status();
      if (!hi->status().ok()) return hi->status();
      return Corrupt();
    }
    first.assign(c.Sub(lo->key()));
    std::string_view last = c.Sub(hi->key());
    const size_t most = std::min({first.size(), last.size(), kScanPrefixMax});
    while (lcp < most && first[lcp] == last[lcp]) ++lcp;
  }

  const std::string from = DecodeScanCursor(cursor, first, lcp);
  const size_t group = lcp + kScanChunk;
  std::unique_ptr<ElementIterator> it = cmd::ElementRange(ctx, c, from, "");
  uint64_t examined = 0;
  std::string last;  // the last member examined, when COUNT is reached
  uint64_t next = 0;
  for (; it->Valid(); it->Next()) {
    std::string_view m = c.Sub(it->key());
    if (examined >= static_cast<uint64_t>(opt.count)) {
      if (m.substr(0, group) != std::string_view(last).substr(0, group)) {
        next = EncodeScanCursor(lcp, m);
        break;
      }
    } else if (examined + 1 == static_cast<uint64_t>(opt.count)) {
      last.assign(m);
    }
    ++examined;
    if (opt.Matches(m)) members.emplace_back(m);
  }
  if (!it->status().ok()) return it->status();
  ScanReply(next, members, reply);
  return Status::OK();
}

}  // namespace

void RegisterSetCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  constexpr std::string_view kInterComplexity =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.";
  constexpr std::string_view kUnionComplexity =
      "O(N) where N is the total number of elements in all given sets.";
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS.
  const cmd::CommandDef defs[] = {
      {"sadd", -3, kW | kM | kF, 1, 1, 1, CmdSAdd, "Add one or more members to a set", "1.0.0",
       "O(1) for each element added, so O(N) to add N elements when the command is called with "
       "multiple arguments."},
      {"srem", -3, kW | kF, 1, 1, 1, CmdSRem, "Remove one or more members from a set", "1.0.0",
       "O(N) where N is the number of members to be removed."},
      {"smembers", 2, kR, 1, 1, 1, CmdSMembers, "Get all the members in a set", "1.0.0",
       "O(N) where N is the set cardinality."},
      {"sismember", 3, kR | kF, 1, 1, 1, CmdSIsMember,
       "Determine if a given value is a member of a set", "1.0.0", "O(1)"},
      {"smismember", -3, kR | kF, 1, 1, 1, CmdSMIsMember,
       "Returns the membership associated with the given elements for a set", "6.2.0",
       "O(N) where N is the number of elements being checked for membership"},
      {"scard", 2, kR | kF, 1, 1, 1, CmdSCard, "Get the number of members in a set", "1.0.0",
       "O(1)"},
      {"spop", -2, kW | kF, 1, 1, 1, CmdSPop,
       "Remove and return one or multiple random members from a set", "1.0.0",
       "Without the count argument O(1), otherwise O(N) where N is the value of the passed "
       "count."},
      {"srandmember", -2, kR, 1, 1, 1, CmdSRandMember,
       "Get one or multiple random members from a set", "1.0.0",
       "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
       "passed count."},
      {"smove", 4, kW | kF, 1, 2, 1, CmdSMove, "Move a member from one set to another", "1.0.0",
       "O(1)"},
      {"sinter", -2, kR, 1, -1, 1, CmdSInter, "Intersect multiple sets", "1.0.0", kInterComplexity},
      // Redis reports 0 0 0 (movablekeys: the keys follow numkeys).
      {"sintercard", -3, kR, 0, 0, 0, CmdSInterCard,
       "Intersect multiple sets and return the cardinality of the result", "7.0.0",
       kInterComplexity},
      {"sunion", -2, kR, 1, -1, 1, CmdSUnion, "Add multiple sets", "1.0.0", kUnionComplexity},
      {"sdiff", -2, kR, 1, -1, 1, CmdSDiff, "Subtract multiple sets", "1.0.0", kUnionComplexity},
      {"sinterstore", -3, kW | kM, 1, -1, 1, CmdSInterStore,
       "Intersect multiple sets and store the resulting set in a key", "1.0.0", kInterComplexity},
      {"sunionstore", -3, kW | kM, 1, -1, 1, CmdSUnionStore,
       "Add multiple sets and store the resulting set in a key", "1.0.0", kUnionComplexity},
      {"sdiffstore", -3, kW | kM, 1, -1, 1, CmdSDiffStore,
       "Subtract multiple sets and store the resulting set in a key", "1.0.0", kUnionComplexity},
      {"sscan", -3, kR, 1, 1, 1, CmdSScan, "Incrementally iterate Set elements", "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.."},
  };
  cmd::RegisterAll(table, "set", defs, std::size(defs));
}

}  // namespace ringkv
