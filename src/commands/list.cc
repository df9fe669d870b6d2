// List commands (issue 10), with Redis 7.0.15's replies, error texts and argument order
// (t_list.c).
//
// Storage (collections.h): a list is its metadata (version, size, head, tail) plus one element
// record per item, sub = EncodeIndex(i) for head <= i < tail, in order. So both ends are O(1)
// (LPUSH writes head-1, RPUSH writes tail), LINDEX and LSET are one point lookup, and LRANGE is
// one bounded iterator walk. The records of a live incarnation always cover exactly
// [head, tail): every command that shrinks a list deletes the records it drops (RENAME, COPY and
// MOVE copy a collection by prefix), except when the list becomes empty, where dropping the key
// makes the whole version unreachable and the compaction filter reclaims it.
//
// Middle edits (LINSERT, LREM) cannot leave holes, so they rewrite the records between the edit
// and the nearer end (shifting the shorter side by the number of items inserted or removed): O(N)
// like Redis's and Kvrocks's, with a batch no larger than that shorter side.
//
// Locking: each handler takes its keys' stripes once (Lock, or LockAll for LMOVE, RPOPLPUSH,
// LMPOP and the blocking pops) before it reads, and writes elements and metadata as one batch.
// Replies that stream items are written while the items are read; if a later read or the batch
// write fails, the half-written reply is rewound (cmd::ReplyMark) and the error returned.
//
// Blocking commands: BLPOP, BRPOP, BLMOVE, BRPOPLPUSH and BLMPOP parse as Redis does, and serve
// data when there is some, through the same PopFromList / MoveBetweenLists the non-blocking
// commands use. With no data they block (blocking.h: Block under their keys' locks) and are run
// again when a push wakes them; once they may no longer block (the timeout fired, or inside
// EXEC) they answer what Redis answers then: a null array, or inside EXEC a null bulk for
// BLMOVE and BRPOPLPUSH. A command that finds clients already waiting on its keys queues
// behind them (first come, first served).

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "txn/blocking.h"
#include "commands/command_table.h"
#include "commands/cmd_util.h"
#include "commands/collection.h"
#include "errors.h"
#include "server_state.h"
#include "storage/collections.h"
#include "storage/storage.h"
#include "util.h"

namespace ringkv {

// ---------------------------------------------------------------------------------------------
// The pop and move primitives, shared by the plain and the blocking commands. None of them
// locks: the caller holds the stripes of every key it names.

namespace list {

enum class End { kLeft, kRight };  // Redis's LIST_HEAD / LIST_TAIL

// How a served pop is answered.
enum class PopReply {
  kBulk,         // LPOP key:              the item
  kArray,        // LPOP key count:        [items]
  kKeyAndBulk,   // BLPOP / BRPOP:         [key, item]
  kKeyAndArray,  // LMPOP / BLMPOP:        [key, [items]]
};

// Pops min(count, LLEN) items (count >= 1; kBulk and kKeyAndBulk need count == 1) from `end` of
// the list at `key` and writes the reply shaped by `shape`. An absent key: OK, *served false,
// nothing written. Another type: WRONGTYPE, nothing written. Deletes the key when it empties.
Status PopFromList(CommandContext& ctx, std::string_view key, End end, uint64_t count,
                   PopReply shape, resp::ReplyWriter* reply, bool* served);

// LMOVE's pop-and-push: pops one item from `from` of `src`, pushes it at `to` of `dst` (src ==
// dst rotates), and replies the item as a bulk. Absent src: OK, *served false, nothing
// written. src or dst of another type: WRONGTYPE (dst is checked only when src has data, as
// Redis does).
Status MoveBetweenLists(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                        End to, resp::ReplyWriter* reply, bool* served);

}  // namespace list

namespace {

using cmd::Collection;
using cmd::MarkDirty;
using list::End;
using list::PopReply;
using resp::ReplyWriter;
using storage::EncodeIndex;
using storage::ValueType;

constexpr std::string_view kIndexOutOfRange = "index out of range";
constexpr std::string_view kRankZero =
    "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
    "negative to start from the end of the list";
constexpr std::string_view kCountNegative = "COUNT can't be negative";
constexpr std::string_view kMaxlenNegative = "MAXLEN can't be negative";

Status Err(std::string_view msg) { return Status::Err(std::string(msg)); }

// The element record of the item at list position `pos` (0 = the head).
std::string ItemKey(const Collection& c, uint64_t pos) {
  return c.Element(EncodeIndex(c.meta.head + pos));
}

// The records of positions [from, to) (0 = the head), ascending or descending.
std::unique_ptr<storage::ElementIterator> Items(CommandContext& ctx, const Collection& c,
                                                uint64_t from, uint64_t to, bool reverse = false) {
  return cmd::ElementRange(ctx, c, EncodeIndex(c.meta.head + from), EncodeIndex(c.meta.head + to),
                           reverse);
}

// A walk that ended before the positions metadata promised.
Status MissingItems(const Collection& c) {
  return Status::Corruption("list '" + c.key.substr(0, 128) + "' is missing items");
}

// Ends a walk of `want` items that produced `got`: the iterator's error, or corruption.
Status WalkStatus(const Collection& c, const storage::ElementIterator& it, uint64_t got,
                  uint64_t want) {
  if (!it.status().ok()) return it.status();
  return got == want ? Status::OK() : MissingItems(c);
}

// LEFT / RIGHT, as getListPositionFromObjectOrReply.
Status ParseEnd(std::string_view arg, End* out) {
  if (EqualsIgnoreCase(arg, "left")) {
    *out = End::kLeft;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *out = End::kRight;
  } else {
    return cmd::SyntaxError();
  }
  return Status::OK();
}

// getLongFromObjectOrReply / getRangeLongFromObjectOrReply with a custom message: the message
// answers both a non-integer and an out-of-range value.
Status ParseIntAtLeast(std::string_view arg, int64_t min, std::string_view msg, int64_t* out) {
  if (!ParseInt64(arg, out) || *out < min) return Err(msg);
  return Status::OK();
}

// Redis's [start, end] range over a list of `len` items with negative indexes from the end,
// clamped. False if the range is empty; otherwise [*first, *last] are valid positions.
bool ClampRange(int64_t start, int64_t end, uint64_t len, uint64_t* first, uint64_t* last) {
  const int64_t n = static_cast<int64_t>(len);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *first = static_cast<uint64_t>(start);
  *last = static_cast<uint64_t>(end);
  return true;
}

// What a blocking command answers when none of its keys has data, until the blocking layer
// (issue 10, the lead's) makes it wait. Redis answers a timeout with a null array for every list
// command; when the client may not block (inside EXEC) BLMOVE and BRPOPLPUSH answer a null
// bulk instead (blmoveGenericCommand's CLIENT_DENY_BLOCKING branch).
void ReplyNoData(CommandContext& ctx, bool is_move, ReplyWriter* reply) {
  if (is_move && ctx.txn_storage != nullptr) {
    reply->Null();
  } else {
    reply->NullArray();
  }
}

std::vector<std::string_view> KeyList(const cmd::ArgSpan& keys) {
  return std::vector<std::string_view>(keys.begin(), keys.end());
}
template <size_t N>
std::vector<std::string_view> KeyList(const std::array<std::string_view, N>& keys) {
  return std::vector<std::string_view>(keys.begin(), keys.end());
}

// Blocks (blocking.h) when other clients wait on one of `keys` longer than this one; the
// handler then returns OK with no reply.
template <typename Keys>
bool BlockBehindOthers(CommandContext& ctx, const Keys& keys, int64_t timeout_ms) {
  std::vector<std::string_view> list = KeyList(keys);
  if (!ShouldQueueBehindOthers(ctx, list)) return false;
  Block(ctx, list, ValueType::kList, BlockDeadline(ctx.now_ms, timeout_ms));
  return true;
}

// Nothing to serve: block if the client may, else answer as a timeout does.
template <typename Keys>
void BlockOrReplyNoData(CommandContext& ctx, const Keys& keys, int64_t timeout_ms, bool is_move,
                        ReplyWriter* reply) {
  if (MayBlock(ctx)) {
    Block(ctx, KeyList(keys), ValueType::kList, BlockDeadline(ctx.now_ms, timeout_ms));
    return;
  }
  ReplyNoData(ctx, is_move, reply);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Primitives

namespace list {

Status PopFromList(CommandContext& ctx, std::string_view key, End end, uint64_t count,
                   PopReply shape, resp::ReplyWriter* reply, bool* served) {
  *served = false;
  Collection c;
  Status s = cmd::OpenCollection(ctx, key, ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists || c.meta.size == 0) return Status::OK();

  const uint64_t n = std::min(count, c.meta.size);
  const bool left = end == End::kLeft;
  cmd::ReplyMark mark(reply);
  if (shape == PopReply::kKeyAndBulk || shape == PopReply::kKeyAndArray) {
    reply->ArrayHeader(2);
    reply->Bulk(key);
  }
  if (shape == PopReply::kArray || shape == PopReply::kKeyAndArray) reply->ArrayHeader(n);

  // Stream the popped items into the reply, nearest the popped end first. One item (the common
  // LPOP/RPOP/BLPOP) is a point lookup: no iterator to build, no tombstones to step over.
  storage::WriteBatch batch;
  if (n == 1) {
    const std::string item_key = ItemKey(c, left ? 0 : c.meta.size - 1);
    std::string item;
    s = ctx.storage().GetElement(item_key, &item);
    if (s.IsNotFound()) s = MissingItems(c);
    if (!s.ok()) return mark.Rewind(s);
    reply->Bulk(item);
    batch.DeleteElement(item_key);
  } else {
    std::unique_ptr<storage::ElementIterator> it =
        left ? Items(ctx, c, 0, n) : Items(ctx, c, c.meta.size - n, c.meta.size, true);
    uint64_t got = 0;
    for (; it->Valid() && got < n; it->Next(), ++got) {
      reply->Bulk(it->value());
      batch.DeleteElement(it->key());
    }
    s = WalkStatus(c, *it, got, n);
    if (!s.ok()) return mark.Rewind(s);
  }

  if (left) {
    c.meta.head += n;
  } else {
    c.meta.tail -= n;
  }
  c.meta.size -= n;
  if (c.meta.size == 0) batch.Clear();  // the key goes, and its version with it
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return mark.Rewind(s);
  MarkDirty(ctx, n);
  *served = true;
  return Status::OK();
}

Status MoveBetweenLists(CommandContext& ctx, std::string_view src, std::string_view dst, End from,
                        End to, resp::ReplyWriter* reply, bool* served) {
  *served = false;
  Collection s_list;
  Status s = cmd::OpenCollection(ctx, src, ValueType::kList, &s_list);
  if (!s.ok()) return s;
  if (!s_list.exists || s_list.meta.size == 0) return Status::OK();

  const bool same = src == dst;
  Collection other;
  if (!same) {
    s = cmd::OpenCollection(ctx, dst, ValueType::kList, &other);
    if (!s.ok()) return s;
  }
  Collection& d_list = same ? s_list : other;

  // Pop.
  const uint64_t pos = from == End::kLeft ? 0 : s_list.meta.size - 1;
  const std::string from_key = ItemKey(s_list, pos);
  std::string item;
  s = ctx.storage().GetElement(from_key, &item);
  if (s.IsNotFound()) return MissingItems(s_list);
  if (!s.ok()) return s;

  storage::WriteBatch batch;
  if (same && from == to) {
    // Popping and pushing back at the same end leaves the list as it was; only the metadata
    // is written, so WATCH still sees the command touch the key.
  } else {
    batch.DeleteElement(from_key);
    if (from == End::kLeft) {
      ++s_list.meta.head;
    } else {
      --s_list.meta.tail;
    }
    --s_list.meta.size;
    // Push.
    if (to == End::kLeft) {
      --d_list.meta.head;
      batch.PutElement(d_list.Element(EncodeIndex(d_list.meta.head)), item);
    } else {
      batch.PutElement(d_list.Element(EncodeIndex(d_list.meta.tail)), item);
      ++d_list.meta.tail;
    }
    ++d_list.meta.size;
  }
  cmd::StoreMeta(s_list, &batch);
  if (!same) cmd::StoreMeta(d_list, &batch);
  s = ctx.storage().Write(batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Bulk(item);
  *served = true;
  return Status::OK();
}

}  // namespace list

namespace {

// ---------------------------------------------------------------------------------------------
// Pushes

// LPUSH, RPUSH, LPUSHX, RPUSHX (pushGenericCommand): `xx` pushes only onto an existing list.
// The blocking layer will signal the key as ready here, after the batch is written.
Status PushGeneric(CommandContext& ctx, const ArgList& args, End end, bool xx, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection c;
  Status s = cmd::OpenCollection(ctx, key, ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists && xx) {
    reply->Integer(0);
    return Status::OK();
  }
  storage::WriteBatch batch;
  for (size_t j = 2; j < args.size(); ++j) {
    if (end == End::kLeft) {
      --c.meta.head;
      batch.PutElement(c.Element(EncodeIndex(c.meta.head)), args[j]);
    } else {
      batch.PutElement(c.Element(EncodeIndex(c.meta.tail)), args[j]);
      ++c.meta.tail;
    }
  }
  c.meta.size += args.size() - 2;
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, args.size() - 2);
  reply->Integer(static_cast<int64_t>(c.meta.size));
  return Status::OK();
}

Status CmdLPush(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PushGeneric(ctx, args, End::kLeft, false, reply);
}
Status CmdRPush(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PushGeneric(ctx, args, End::kRight, false, reply);
}
Status CmdLPushX(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PushGeneric(ctx, args, End::kLeft, true, reply);
}
Status CmdRPushX(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PushGeneric(ctx, args, End::kRight, true, reply);
}

// ---------------------------------------------------------------------------------------------
// Pops

// LPOP / RPOP key [count] (popGenericCommand). Without count: the item, or a null. With count:
// an array (empty for count 0 on an existing list), or a null array for an absent key.
Status PopGeneric(CommandContext& ctx, const ArgList& args, End end, ReplyWriter* reply) {
  if (args.size() > 3) return Status::Err(errors::WrongArgs(ctx.cmd->name));
  const bool has_count = args.size() == 3;
  int64_t count = 1;
  if (has_count) {
    Status s = cmd::ParsePopCount(args[2], &count);
    if (!s.ok()) return s;
  }
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  if (count == 0) {  // the fast exit, after the key's lookup and type check
    Collection c;
    Status s = cmd::OpenCollection(ctx, key, ValueType::kList, &c);
    if (!s.ok()) return s;
    if (c.exists) {
      reply->ArrayHeader(0);
    } else {
      reply->NullArray();
    }
    return Status::OK();
  }
  bool served;
  Status s = list::PopFromList(ctx, key, end, static_cast<uint64_t>(count),
                               has_count ? PopReply::kArray : PopReply::kBulk, reply, &served);
  if (!s.ok()) return s;
  if (!served) {
    if (has_count) {
      reply->NullArray();
    } else {
      reply->Null();
    }
  }
  return Status::OK();
}

Status CmdLPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PopGeneric(ctx, args, End::kLeft, reply);
}
Status CmdRPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return PopGeneric(ctx, args, End::kRight, reply);
}

// The first of `keys` that holds a list gives up to `count` items (shape as PopFromList);
// WRONGTYPE at the first key of another type met before that. *served false if none has data.
template <typename Keys>
Status PopFirstNonEmpty(CommandContext& ctx, const Keys& keys, End end, uint64_t count,
                        PopReply shape, ReplyWriter* reply, bool* served) {
  *served = false;
  for (std::string_view key : keys) {
    Status s = list::PopFromList(ctx, key, end, count, shape, reply, served);
    if (!s.ok() || *served) return s;
  }
  return Status::OK();
}

// LMPOP numkeys key... LEFT|RIGHT [COUNT count] and BLMPOP timeout numkeys ...
// (lmpopGenericCommand): numkeys, the direction and COUNT are checked before the timeout.
Status MPopGeneric(CommandContext& ctx, const ArgList& args, size_t numkeys_idx, bool blocking,
                   ReplyWriter* reply) {
  End end = End::kLeft;
  cmd::MPopArgs mpop;
  Status s = cmd::ParseMPopArgs(
      args, numkeys_idx, [&](std::string_view where) { return ParseEnd(where, &end); }, &mpop);
  if (!s.ok()) return s;
  int64_t timeout_ms = 0;
  if (blocking) {
    s = ParseBlockTimeout(args[1], &timeout_ms);
    if (!s.ok()) return s;
  }

  const cmd::ArgSpan keys = mpop.keys;
  auto guard = ctx.locks().LockAll(keys);
  if (blocking && BlockBehindOthers(ctx, keys, timeout_ms)) return Status::OK();
  bool served;
  s = PopFirstNonEmpty(ctx, ServeOrder(ctx, KeyList(keys)), end, static_cast<uint64_t>(mpop.count),
                       PopReply::kKeyAndArray, reply, &served);
  if (!s.ok() || served) return s;
  if (blocking) {
    BlockOrReplyNoData(ctx, keys, timeout_ms, false, reply);
  } else {
    reply->NullArray();
  }
  return Status::OK();
}

Status CmdLMPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return MPopGeneric(ctx, args, 1, false, reply);
}
Status CmdBLMPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return MPopGeneric(ctx, args, 2, true, reply);
}

// BLPOP / BRPOP key... timeout (blockingPopGenericCommand): [key, item] from the first key with
// data.
Status BlockingPopGeneric(CommandContext& ctx, const ArgList& args, End end, ReplyWriter* reply) {
  int64_t timeout_ms;
  Status s = ParseBlockTimeout(args.back(), &timeout_ms);
  if (!s.ok()) return s;
  cmd::ArgSpan keys{&args[1], args.size() - 2};
  auto guard = ctx.locks().LockAll(keys);
  if (BlockBehindOthers(ctx, keys, timeout_ms)) return Status::OK();
  bool served;
  s = PopFirstNonEmpty(ctx, ServeOrder(ctx, KeyList(keys)), end, 1, PopReply::kKeyAndBulk, reply,
                       &served);
  if (!s.ok() || served) return s;
  BlockOrReplyNoData(ctx, keys, timeout_ms, false, reply);
  return Status::OK();
}

Status CmdBLPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BlockingPopGeneric(ctx, args, End::kLeft, reply);
}
Status CmdBRPop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BlockingPopGeneric(ctx, args, End::kRight, reply);
}

// ---------------------------------------------------------------------------------------------
// Moves

// LMOVE, RPOPLPUSH, BLMOVE, BRPOPLPUSH once their arguments are parsed.
// A blocking move waits on its source only, as Redis.
Status MoveGeneric(CommandContext& ctx, const ArgList& args, End from, End to, bool blocking,
                   int64_t timeout_ms, ReplyWriter* reply) {
  std::array<std::string_view, 2> keys{args[1], args[2]};
  auto guard = ctx.locks().LockAll(keys);
  std::array<std::string_view, 1> source{args[1]};
  if (blocking && BlockBehindOthers(ctx, source, timeout_ms)) return Status::OK();
  bool served;
  Status s = list::MoveBetweenLists(ctx, args[1], args[2], from, to, reply, &served);
  if (!s.ok() || served) return s;
  if (blocking) {
    BlockOrReplyNoData(ctx, source, timeout_ms, true, reply);
  } else {
    reply->Null();
  }
  return Status::OK();
}

Status CmdLMove(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  End from, to;
  Status s = ParseEnd(args[3], &from);
  if (s.ok()) s = ParseEnd(args[4], &to);
  if (!s.ok()) return s;
  return MoveGeneric(ctx, args, from, to, false, 0, reply);
}

Status CmdRPopLPush(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return MoveGeneric(ctx, args, End::kRight, End::kLeft, false, 0, reply);
}

Status CmdBLMove(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  End from, to;
  int64_t timeout_ms;
  Status s = ParseEnd(args[3], &from);
  if (s.ok()) s = ParseEnd(args[4], &to);
  if (s.ok()) s = ParseBlockTimeout(args[5], &timeout_ms);
  if (!s.ok()) return s;
  return MoveGeneric(ctx, args, from, to, true, timeout_ms, reply);
}

Status CmdBRPopLPush(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t timeout_ms;
  Status s = ParseBlockTimeout(args[3], &timeout_ms);
  if (!s.ok()) return s;
  return MoveGeneric(ctx, args, End::kRight, End::kLeft, true, timeout_ms, reply);
}

// ---------------------------------------------------------------------------------------------
// Reads

Status CmdLLen(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c, /*read=*/true);
  if (!s.ok()) return s;
  reply->Integer(static_cast<int64_t>(c.exists ? c.meta.size : 0));
  return Status::OK();
}

Status CmdLRange(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t start, end;
  Status s = cmd::ParseIntArg(args[2], &start);
  if (s.ok()) s = cmd::ParseIntArg(args[3], &end);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c, /*read=*/true);
  if (!s.ok()) return s;
  uint64_t first, last;
  if (!c.exists || !ClampRange(start, end, c.meta.size, &first, &last)) {
    reply->ArrayHeader(0);
    return Status::OK();
  }
  const uint64_t n = last - first + 1;
  cmd::ReplyMark mark(reply);
  reply->ArrayHeader(n);
  std::unique_ptr<storage::ElementIterator> it = Items(ctx, c, first, last + 1);
  uint64_t got = 0;
  for (; it->Valid() && got < n; it->Next(), ++got) reply->Bulk(it->value());
  s = WalkStatus(c, *it, got, n);
  return s.ok() ? s : mark.Rewind(s);
}

// LINDEX: the key is looked up before the index is parsed.
Status CmdLIndex(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c, /*read=*/true);
  if (!s.ok()) return s;
  if (!c.exists) {
    reply->Null();
    return Status::OK();
  }
  int64_t index;
  s = cmd::ParseIntArg(args[2], &index);
  if (!s.ok()) return s;
  const int64_t n = static_cast<int64_t>(c.meta.size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) {
    reply->Null();
    return Status::OK();
  }
  std::string item;
  s = ctx.storage().GetElement(ItemKey(c, static_cast<uint64_t>(index)), &item);
  if (s.IsNotFound()) return MissingItems(c);
  if (!s.ok()) return s;
  reply->Bulk(item);
  return Status::OK();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] (lposCommand).
Status CmdLPos(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < args.size(); ++j) {
    std::string_view opt = args[j];
    const bool more = j + 1 < args.size();
    Status s;
    if (EqualsIgnoreCase(opt, "rank") && more) {
      s = cmd::ParseIntArg(args[++j], &rank);
      if (s.ok() && rank == 0) s = Err(kRankZero);
    } else if (EqualsIgnoreCase(opt, "count") && more) {
      s = ParseIntAtLeast(args[++j], 0, kCountNegative, &count);
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      s = ParseIntAtLeast(args[++j], 0, kMaxlenNegative, &maxlen);
    } else {
      s = cmd::SyntaxError();
    }
    if (!s.ok()) return s;
  }
  // A negative rank searches from the tail. Redis negates LONG_MIN into itself: every match then
  // qualifies (as rank 1) and its COUNT test overflows, so it never stops early; so does this.
  const bool from_tail = rank < 0;
  const bool rank_min = rank == std::numeric_limits<int64_t>::min();
  const uint64_t want_rank = rank_min ? 1 : static_cast<uint64_t>(from_tail ? -rank : rank);

  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c, /*read=*/true);
  if (!s.ok()) return s;
  if (!c.exists) {
    if (count != -1) {
      reply->ArrayHeader(0);
    } else {
      reply->Null();
    }
    return Status::OK();
  }

  // Walk from the chosen end; with COUNT, the matching positions go to a side buffer (the array
  // length is known only at the end), one integer per actual match.
  std::string found;
  ReplyWriter found_writer(&found, reply->proto());
  uint64_t matches = 0, emitted = 0;
  int64_t match_pos = -1;
  const uint64_t n = c.meta.size;
  const uint64_t scan_limit = maxlen == 0 ? n : std::min(n, static_cast<uint64_t>(maxlen));
  std::unique_ptr<storage::ElementIterator> it = Items(ctx, c, 0, n, from_tail);
  for (uint64_t walked = 0; it->Valid() && walked < scan_limit; it->Next(), ++walked) {
    if (it->value() != args[2]) continue;
    ++matches;
    if (matches < want_rank) continue;
    const int64_t pos = static_cast<int64_t>(from_tail ? n - walked - 1 : walked);
    if (count == -1) {
      match_pos = pos;
      break;
    }
    found_writer.Integer(pos);
    ++emitted;
    if (count != 0 && !rank_min && emitted >= static_cast<uint64_t>(count)) break;
  }
  if (!it->status().ok()) return it->status();
  if (count != -1) {
    reply->ArrayHeader(emitted);
    reply->Raw(found);
  } else if (match_pos != -1) {
    reply->Integer(match_pos);
  } else {
    reply->Null();
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Edits

// LSET: "no such key" before the index is parsed, as Redis looks the key up first.
Status CmdLSet(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists) return Err(errors::kNoSuchKey);
  int64_t index;
  s = cmd::ParseIntArg(args[2], &index);
  if (!s.ok()) return s;
  const int64_t n = static_cast<int64_t>(c.meta.size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return Err(kIndexOutOfRange);
  storage::WriteBatch batch;
  batch.PutElement(ItemKey(c, static_cast<uint64_t>(index)), args[3]);
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Ok();
  return Status::OK();
}

// LINSERT key BEFORE|AFTER pivot element: finds the first pivot from the head, then opens a slot
// by shifting the shorter side one position outwards.
Status CmdLInsert(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  bool after;
  if (EqualsIgnoreCase(args[2], "after")) {
    after = true;
  } else if (EqualsIgnoreCase(args[2], "before")) {
    after = false;
  } else {
    return cmd::SyntaxError();
  }
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists) {
    reply->Integer(0);
    return Status::OK();
  }

  const uint64_t n = c.meta.size;
  uint64_t pivot = n;
  {
    std::unique_ptr<storage::ElementIterator> it = Items(ctx, c, 0, n);
    for (uint64_t pos = 0; it->Valid(); it->Next(), ++pos) {
      if (it->value() == args[3]) {
        pivot = pos;
        break;
      }
    }
    if (!it->status().ok()) return it->status();
  }
  if (pivot == n) {
    reply->Integer(-1);
    return Status::OK();
  }

  // The new item takes position `at`: items [0, at) move one left, or items [at, n) one right.
  const uint64_t at = after ? pivot + 1 : pivot;
  const bool shift_left = at < n - at;
  const uint64_t from = shift_left ? 0 : at;
  const uint64_t want = shift_left ? at : n - at;
  storage::WriteBatch batch;
  std::unique_ptr<storage::ElementIterator> it = Items(ctx, c, from, from + want);
  uint64_t got = 0;
  for (; it->Valid() && got < want; it->Next(), ++got) {
    const uint64_t index = c.meta.head + from + got;
    batch.PutElement(c.Element(EncodeIndex(shift_left ? index - 1 : index + 1)), it->value());
  }
  s = WalkStatus(c, *it, got, want);
  if (!s.ok()) return s;
  if (shift_left) {
    batch.PutElement(c.Element(EncodeIndex(c.meta.head + at - 1)), args[4]);
    --c.meta.head;
  } else {
    batch.PutElement(c.Element(EncodeIndex(c.meta.head + at)), args[4]);
    ++c.meta.tail;
  }
  ++c.meta.size;
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(static_cast<int64_t>(c.meta.size));
  return Status::OK();
}

// LREM key count element. Pass 1 finds the k matches to remove, between positions lo and hi
// (count > 0: the first k from the head; < 0: the last k; 0: all), so every match within
// [lo, hi] goes. Pass 2 closes the gaps from the nearer end: either the survivors after lo move
// left (and the last k records go), or the survivors up to hi move right (and the first k go).
Status CmdLRem(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t to_remove;
  Status s = cmd::ParseIntArg(args[2], &to_remove);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists) {
    reply->Integer(0);
    return Status::OK();
  }
  std::string_view element = args[3];
  const uint64_t n = c.meta.size;
  const bool from_tail = to_remove < 0;
  const uint64_t limit =
      from_tail ? uint64_t{0} - static_cast<uint64_t>(to_remove) : static_cast<uint64_t>(to_remove);

  // Pass 1.
  uint64_t k = 0, first = 0, last = 0;
  {
    std::unique_ptr<storage::ElementIterator> it = Items(ctx, c, 0, n, from_tail);
    for (uint64_t walked = 0; it->Valid(); it->Next(), ++walked) {
      if (it->value() != element) continue;
      const uint64_t pos = from_tail ? n - walked - 1 : walked;
      if (k == 0) first = pos;
      last = pos;
      if (++k == limit) break;
    }
    if (!it->status().ok()) return it->status();
  }
  if (k == 0) {
    reply->Integer(0);
    return Status::OK();
  }
  const uint64_t lo = std::min(first, last), hi = std::max(first, last);

  // Pass 2 (not needed when the list empties: the key goes with its version).
  storage::WriteBatch batch;
  if (k < n) {
    const bool compact_left = n - lo <= hi + 1;
    std::unique_ptr<storage::ElementIterator> it =
        compact_left ? Items(ctx, c, lo, n) : Items(ctx, c, 0, hi + 1, true);
    const uint64_t want = compact_left ? n - lo : hi + 1;
    uint64_t got = 0;
    uint64_t next = compact_left ? lo : hi;  // where the next survivor goes
    for (; it->Valid() && got < want; it->Next(), ++got) {
      const uint64_t pos = compact_left ? lo + got : hi - got;
      if (pos >= lo && pos <= hi && it->value() == element) continue;
      if (pos != next) batch.PutElement(ItemKey(c, next), it->value());
      if (compact_left) {
        ++next;
      } else {
        --next;
      }
    }
    s = WalkStatus(c, *it, got, want);
    if (!s.ok()) return s;
    for (uint64_t i = 0; i < k; ++i) batch.DeleteElement(ItemKey(c, compact_left ? n - k + i : i));
    if (compact_left) {
      c.meta.tail -= k;
    } else {
      c.meta.head += k;
    }
  }
  c.meta.size -= k;
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, k);
  reply->Integer(static_cast<int64_t>(k));
  return Status::OK();
}

// LTRIM key start stop: deletes the records outside the kept range (none when nothing is kept:
// the key goes with its version).
Status CmdLTrim(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t start, end;
  Status s = cmd::ParseIntArg(args[2], &start);
  if (s.ok()) s = cmd::ParseIntArg(args[3], &end);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = cmd::OpenCollection(ctx, args[1], ValueType::kList, &c);
  if (!s.ok()) return s;
  if (!c.exists) {
    reply->Ok();
    return Status::OK();
  }
  const uint64_t n = c.meta.size;
  uint64_t first, last, ltrim = n, rtrim = 0;
  if (ClampRange(start, end, n, &first, &last)) {
    ltrim = first;
    rtrim = n - last - 1;
  }
  storage::WriteBatch batch;
  if (ltrim + rtrim < n) {
    for (uint64_t i = 0; i < ltrim; ++i) batch.DeleteElement(ItemKey(c, i));
    for (uint64_t i = n - rtrim; i < n; ++i) batch.DeleteElement(ItemKey(c, i));
  }
  c.meta.head += ltrim;
  c.meta.tail -= rtrim;
  c.meta.size -= ltrim + rtrim;
  s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, ltrim + rtrim);
  reply->Ok();
  return Status::OK();
}

}  // namespace

void RegisterListCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kS = kCmdNoScript;
  constexpr std::string_view kPushCost =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";
  const cmd::CommandDef defs[] = {
      {"lpush", -3, kW | kM | kF, 1, 1, 1, CmdLPush, "Prepend one or multiple elements to a list",
       "1.0.0", kPushCost},
      {"rpush", -3, kW | kM | kF, 1, 1, 1, CmdRPush, "Append one or multiple elements to a list",
       "1.0.0", kPushCost},
      {"lpushx", -3, kW | kM | kF, 1, 1, 1, CmdLPushX,
       "Prepend an element to a list, only if the list exists", "2.2.0", kPushCost},
      {"rpushx", -3, kW | kM | kF, 1, 1, 1, CmdRPushX,
       "Append an element to a list, only if the list exists", "2.2.0", kPushCost},
      {"lpop", -2, kW | kF, 1, 1, 1, CmdLPop, "Remove and get the first elements in a list",
       "1.0.0", "O(N) where N is the number of elements returned"},
      {"rpop", -2, kW | kF, 1, 1, 1, CmdRPop, "Remove and get the last elements in a list", "1.0.0",
       "O(N) where N is the number of elements returned"},
      {"llen", 2, kR | kF, 1, 1, 1, CmdLLen, "Get the length of a list", "1.0.0", "O(1)"},
      {"lrange", 4, kR, 1, 1, 1, CmdLRange, "Get a range of elements from a list", "1.0.0",
       "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
       "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
       "range."},
      {"lindex", 3, kR, 1, 1, 1, CmdLIndex, "Get an element from a list by its index", "1.0.0",
       "O(N) where N is the number of elements to traverse to get to the element at index. This "
       "makes asking for the first or the last element of the list O(1)."},
      {"lset", 4, kW | kM, 1, 1, 1, CmdLSet, "Set the value of an element in a list by its index",
       "1.0.0",
       "O(N) where N is the length of the list. Setting either the first or the last element of "
       "the list is O(1)."},
      {"linsert", 5, kW | kM, 1, 1, 1, CmdLInsert,
       "Insert an element before or after another element in a list", "2.2.0",
       "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
       "means that inserting somewhere on the left end on the list (head) can be considered O(1) "
       "and inserting somewhere on the right end (tail) is O(N)."},
      {"lrem", 4, kW, 1, 1, 1, CmdLRem, "Remove elements from a list", "1.0.0",
       "O(N+M) where N is the length of the list and M is the number of elements removed."},
      {"ltrim", 4, kW, 1, 1, 1, CmdLTrim, "Trim a list to the specified range", "1.0.0",
       "O(N) where N is the number of elements to be removed by the operation."},
      {"lpos", -3, kR, 1, 1, 1, CmdLPos, "Return the index of matching elements on a list", "6.0.6",
       "O(N) where N is the number of elements in the list, for the average case. When searching "
       "for elements near the head or the tail of the list, or when the MAXLEN option is "
       "provided, the command may run in constant time."},
      {"lmove", 5, kW | kM, 1, 2, 1, CmdLMove,
       "Pop an element from a list, push it to another list and return it", "6.2.0", "O(1)"},
      {"rpoplpush", 3, kW | kM, 1, 2, 1, CmdRPopLPush,
       "Remove the last element in a list, prepend it to another list and return it", "1.2.0",
       "O(1)"},
      // LMPOP and BLMPOP have movable keys (after numkeys): Redis's COMMAND INFO reports 0 0 0.
      {"lmpop", -4, kW, 0, 0, 0, CmdLMPop, "Pop elements from a list", "7.0.0",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned."},
      {"blpop", -3, kW | kS | kCmdBlocking, 1, -2, 1, CmdBLPop,
       "Remove and get the first element in a list, or block until one is available", "2.0.0",
       "O(N) where N is the number of provided keys."},
      {"brpop", -3, kW | kS | kCmdBlocking, 1, -2, 1, CmdBRPop,
       "Remove and get the last element in a list, or block until one is available", "2.0.0",
       "O(N) where N is the number of provided keys."},
      {"blmove", 6, kW | kM | kS | kCmdBlocking, 1, 2, 1, CmdBLMove,
       "Pop an element from a list, push it to another list and return it; or block until one is "
       "available",
       "6.2.0", "O(1)"},
      {"brpoplpush", 4, kW | kM | kS | kCmdBlocking, 1, 2, 1, CmdBRPopLPush,
       "Pop an element from a list, push it to another list and return it; or block until one is "
       "available",
       "2.2.0", "O(1)"},
      {"blmpop", -5, kW | kCmdBlocking, 0, 0, 0, CmdBLMPop,
       "Pop elements from a list, or block until one is available", "7.0.0",
       "O(N+M) where N is the number of provided keys and M is the number of elements returned."},
  };
  cmd::RegisterAll(table, "list", defs, std::size(defs));
}

}  // namespace ringkv
