// Sorted-set commands (issue 10), with Redis 7.0.15's replies, error texts and option rules
// (t_zset.c; ZSCAN's formats from db.c scanGenericCommand).
//
// Layout (storage/collections.h): every member has two element records, 'm' member -> score
// (point lookups: ZSCORE, ZADD's "is it there") and 's' score member -> empty, the index whose
// byte order is Redis's skiplist order (score, then member bytes). Every write keeps both in step
// in one batch with the metadata (size). Score ranges become iterator bounds on the index, so a
// range walk reads only what it returns; ranks are O(rank) walks of the index.
//
// Lex ranges follow Redis's listpack algorithm (zzlFirstInLexRange: the first element at or
// after min in index order, then on while <= max). When the first and last scores are equal,
// which is what lex commands are meant for, the index is ordered by member and the walk seeks
// straight to min; otherwise it walks from its end of the index, as Redis's small sets do.
//
// Scores: -0 is stored as 0 (collections.h), which is what Redis's listpack (small sets) keeps;
// a Redis skiplist would keep -0. Computed scores that are never stored (ZINCRBY's reply, ZUNION
// without STORE) keep their sign, as in Redis.
//
// Multi-key commands lock all their keys with one LockAll. ZUNION & co. accept sets as inputs
// (score 1) and compute in memory, as Redis does; results are ordered by (score, member).
// Commands that write (ZADD, ZREM, ZPOP*, ZREMRANGE*, *STORE) read everything they need first,
// then commit one batch, then reply; an error leaves nothing written and no reply.
//
// PopFromZset (declared below, outside the anonymous namespace) is the pop ZPOPMIN/ZPOPMAX/ZMPOP
// use and the blocking BZPOPMIN/BZPOPMAX/BZMPOP will call.

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
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

// How PopFromZset shapes its reply (genericZpopCommand's emitkey / use_nested_array).
enum class ZpopShape {
  kFlat,       // ZPOPMIN/ZPOPMAX in RESP2, or without COUNT: [m, s, m, s...]
  kNested,     // ZPOPMIN/ZPOPMAX with COUNT in RESP3: [[m, s], ...]
  kKeyFlat,    // BZPOPMIN/BZPOPMAX: [key, m, s]
  kKeyNested,  // ZMPOP/BZMPOP: [key, [[m, s], ...]]
};

// genericZpopCommand (t_zset.c): the pop of ZPOPMIN/ZPOPMAX/ZMPOP and of the blocking
// BZPOPMIN/BZPOPMAX/BZMPOP. The caller holds the locks of every key (one LockAll).
// Walks `keys` in order: a key of another type is WRONGTYPE (nothing written); the first sorted
// set found loses up to `count` members (count < 0: one, the plain form; 0: none, the reply is
// an empty array) from its low end (or high end when `pop_max`); the batch is committed, then
// the reply is written in `shape`, and *found is true. When no key exists nothing is written,
// *found is false and the caller replies (empty or null array) or blocks.
Status PopFromZset(CommandContext& ctx, const std::vector<std::string_view>& keys, bool pop_max,
                   int64_t count, ZpopShape shape, resp::ReplyWriter* reply, bool* found);

namespace {

using cmd::Collection;
using cmd::MarkDirty;
using cmd::RandomBelow;
using resp::ReplyWriter;
using storage::ValueType;

constexpr std::string_view kNanScore = "resulting score is not a number (NaN)";
constexpr std::string_view kMinMaxNotFloat = "min or max is not a float";
constexpr std::string_view kMinMaxNotLex = "min or max not valid string range item";

struct ScoredMember {
  std::string member;
  double score;
};

// Redis's skiplist order.
bool ScoreOrder(const ScoredMember& a, const ScoredMember& b) {
  if (a.score != b.score) return a.score < b.score;
  return a.member < b.member;
}

// ---------------------------------------------------------------------------------------------
// Numbers as Redis parses and prints them

// string2d (util.c), getDoubleFromObject's rule: the whole string, no leading space, no
// overflow to +-HUGE_VAL or underflow to 0, not NaN. "inf", "-inf", "+inf" are fine.
bool ParseScore(std::string_view arg, double* out) {
  if (arg.empty() || std::isspace(static_cast<unsigned char>(arg[0]))) return false;
  std::string buf(arg);
  char* end;
  errno = 0;
  double v = std::strtod(buf.c_str(), &end);
  if (static_cast<size_t>(end - buf.c_str()) != buf.size()) return false;
  if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) {
    return false;
  }
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

Status NotFloat() { return Status::Err(std::string(errors::kNotFloat)); }

// getLongFromObjectOrReply; `msg` replaces the default text when given.
Status ParseLong(std::string_view arg, int64_t* out, std::string_view msg = {}) {
  if (ParseInt64(arg, out)) return Status::OK();
  return Status::Err(std::string(msg.empty() ? errors::kNotInteger : msg));
}

// getRangeLongFromObjectOrReply.
Status ParseLongInRange(std::string_view arg, int64_t min, int64_t max, int64_t* out,
                        std::string_view msg = {}) {
  Status s = ParseLong(arg, out, msg);
  if (!s.ok()) return s;
  if (*out < min || *out > max) {
    if (!msg.empty()) return Status::Err(std::string(msg));
    return Status::Err("value is out of range, value must between " + std::to_string(min) +
                       " and " + std::to_string(max));
  }
  return Status::OK();
}

// d2string (util.c): how a small sorted set's listpack holds a score, hence ZSCAN's text for
// small sets: integers that fit print as integers ("100000000000000000", not "1e+17").
std::string D2String(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  if (v >= static_cast<double>(-LLONG_MAX / 2) && v <= static_cast<double>(LLONG_MAX / 2)) {
    long long ll = static_cast<long long>(v);
    if (static_cast<double>(ll) == v) return std::to_string(ll);
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

// ld2string(LD_STR_AUTO) of a score: ZSCAN's text for large (hashtable) sorted sets.
std::string ScanScoreText(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

// ---------------------------------------------------------------------------------------------
// Records of one sorted set

std::string MemberSub(std::string_view member) {
  std::string sub;
  sub.reserve(1 + member.size());
  sub.push_back(storage::kZsetMemberTag);
  sub.append(member.data(), member.size());
  return sub;
}

std::string ScorePrefix(double score) {
  std::string sub(1, storage::kZsetScoreTag);
  sub += storage::EncodeScore(score);
  return sub;
}

std::string IndexSub(double score, std::string_view member) {
  std::string sub = ScorePrefix(score);
  sub.append(member.data(), member.size());
  return sub;
}

// The bounds of the whole index and of the whole member table.
const std::string kIndexBegin(1, storage::kZsetScoreTag);
const std::string kIndexEnd(1, storage::kZsetScoreTag + 1);
const std::string kMembersBegin(1, storage::kZsetMemberTag);
const std::string kMembersEnd(1, storage::kZsetMemberTag + 1);

void PutMember(const Collection& c, storage::WriteBatch* batch, std::string_view member,
               double score) {
  batch->PutElement(c.Element(MemberSub(member)), storage::EncodeScore(score));
  batch->PutElement(c.Element(IndexSub(score, member)), {});
}

void DeleteMember(const Collection& c, storage::WriteBatch* batch, std::string_view member,
                  double score) {
  batch->DeleteElement(c.Element(MemberSub(member)));
  batch->DeleteElement(c.Element(IndexSub(score, member)));
}

// The score of `member`; *found false if it is not there.
Status GetScore(CommandContext& ctx, const Collection& c, std::string_view member, double* score,
                bool* found) {
  *found = false;
  if (!c.exists) return Status::OK();
  std::string value;
  Status s = cmd::GetElement(ctx, c, MemberSub(member), &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  if (value.size() != 8) return Status::Corruption("bad sorted-set score record");
  *score = storage::DecodeScore(value);
  *found = true;
  return Status::OK();
}

Status OpenZset(CommandContext& ctx, std::string_view key, Collection* c, bool read) {
  return cmd::OpenCollection(ctx, key, ValueType::kZset, c, read);
}

// A walk of the score index within [lower, upper) (index subs), ascending or descending.
// An empty or inverted range gives a walk that is at once done.
class IndexWalk {
 public:
  IndexWalk() = default;
  IndexWalk(CommandContext& ctx, const Collection& c, const std::string& lower,
            const std::string& upper, bool reverse) {
    if (!c.exists || lower >= upper) return;
    prefix_len_ = c.Prefix().size();
    it_ = cmd::ElementRange(ctx, c, lower, upper, reverse);
  }
  bool Valid() const { return it_ != nullptr && it_->Valid(); }
  void Next() { it_->Next(); }
  double score() const { return storage::DecodeScore(sub().substr(1, 8)); }
  std::string_view member() const { return sub().substr(9); }
  Status status() const { return it_ == nullptr ? Status::OK() : it_->status(); }

 private:
  std::string_view sub() const { return it_->key().substr(prefix_len_); }

  size_t prefix_len_ = 0;
  std::unique_ptr<storage::ElementIterator> it_;
};

IndexWalk WholeIndex(CommandContext& ctx, const Collection& c, bool reverse) {
  return IndexWalk(ctx, c, kIndexBegin, kIndexEnd, reverse);
}

// The first element of the index (the last when `reverse`); *found false if empty.
Status IndexEnd(CommandContext& ctx, const Collection& c, bool reverse, ScoredMember* out,
                bool* found) {
  IndexWalk w = WholeIndex(ctx, c, reverse);
  *found = w.Valid();
  if (*found) {
    out->member.assign(w.member());
    out->score = w.score();
  }
  return w.status();
}

// ---------------------------------------------------------------------------------------------
// Score ranges: zslParseRange

struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// One end of a score range. Redis uses bare strtod here (not string2d): leading space, "" and
// "(" (as 0) and overflow to inf are accepted; trailing bytes and NaN are not.
bool ParseRangeScore(std::string_view arg, double* out, bool* ex) {
  *ex = !arg.empty() && arg[0] == '(';
  if (*ex) arg.remove_prefix(1);
  std::string buf(arg);
  char* end;
  double v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *out = v;
  return true;
}

Status ParseScoreRange(std::string_view min, std::string_view max, ScoreRange* r) {
  if (!ParseRangeScore(min, &r->min, &r->minex) || !ParseRangeScore(max, &r->max, &r->maxex)) {
    return Status::Err(std::string(kMinMaxNotFloat));
  }
  return Status::OK();
}

// The index walk over exactly the elements whose score lies in r.
IndexWalk ScoreWalk(CommandContext& ctx, const Collection& c, const ScoreRange& r, bool reverse) {
  std::string lower = ScorePrefix(r.min);
  if (r.minex) lower = storage::PrefixEnd(lower);
  std::string upper = ScorePrefix(r.max);
  if (!r.maxex) upper = storage::PrefixEnd(upper);
  return IndexWalk(ctx, c, lower, upper, reverse);
}

// ---------------------------------------------------------------------------------------------
// Lex ranges: zslParseLexRange and the listpack walk

struct LexBound {
  enum Kind { kMinusInf, kPlusInf, kValue } kind = kValue;
  std::string value;
  bool ex = false;
};

struct LexRange {
  LexBound min, max;
};

bool ParseLexBound(std::string_view arg, LexBound* b) {
  if (arg.empty()) return false;
  switch (arg[0]) {
    case '+':
    case '-':
      if (arg.size() != 1) return false;
      b->kind = arg[0] == '+' ? LexBound::kPlusInf : LexBound::kMinusInf;
      b->ex = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->ex = arg[0] == '(';
      b->value.assign(arg.substr(1));
      return true;
    default:
      return false;
  }
}

Status ParseLexRange(std::string_view min, std::string_view max, LexRange* r) {
  if (!ParseLexBound(min, &r->min) || !ParseLexBound(max, &r->max)) {
    return Status::Err(std::string(kMinMaxNotLex));
  }
  return Status::OK();
}

// sdscmplex: a member against a bound.
int CompareLex(std::string_view v, const LexBound& b) {
  if (b.kind == LexBound::kMinusInf) return 1;
  if (b.kind == LexBound::kPlusInf) return -1;
  int c = v.compare(b.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// sdscmplex between two bounds.
int CompareBounds(const LexBound& a, const LexBound& b) {
  if (a.kind == b.kind && a.kind != LexBound::kValue) return 0;
  if (a.kind == LexBound::kMinusInf || b.kind == LexBound::kPlusInf) return -1;
  if (a.kind == LexBound::kPlusInf || b.kind == LexBound::kMinusInf) return 1;
  int c = a.value.compare(b.value);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool LexGteMin(std::string_view v, const LexRange& r) {
  return r.min.ex ? CompareLex(v, r.min) > 0 : CompareLex(v, r.min) >= 0;
}

bool LexLteMax(std::string_view v, const LexRange& r) {
  return r.max.ex ? CompareLex(v, r.max) < 0 : CompareLex(v, r.max) <= 0;
}

bool LexRangeEmpty(const LexRange& r) {
  int cmp = CompareBounds(r.min, r.max);
  return cmp > 0 || (cmp == 0 && (r.min.ex || r.max.ex));
}

// Whether a walk in this direction has left the range (the check Redis makes per element).
bool LexPastEnd(std::string_view member, const LexRange& r, bool reverse) {
  return reverse ? !LexGteMin(member, r) : !LexLteMax(member, r);
}

// A walk positioned at the first element of the lex range in walk order (zzlFirstInLexRange /
// zzlLastInLexRange), or done when there is none. The caller stops at LexPastEnd.
Status LexWalk(CommandContext& ctx, const Collection& c, const LexRange& r, bool reverse,
               IndexWalk* out) {
  *out = IndexWalk();
  if (!c.exists || LexRangeEmpty(r)) return Status::OK();
  ScoredMember first, last;
  bool found;
  Status s = IndexEnd(ctx, c, false, &first, &found);
  if (!s.ok() || !found) return s;
  s = IndexEnd(ctx, c, true, &last, &found);
  if (!s.ok() || !found) return s;
  if (!LexGteMin(last.member, r) || !LexLteMax(first.member, r)) return Status::OK();

  if (first.score == last.score) {
    // One score: the index is in member order, so the range is a key range.
    const std::string base = ScorePrefix(first.score);
    auto bound = [&base](const LexBound& b, bool is_min) {
      if (b.kind == LexBound::kMinusInf) return base;
      if (b.kind == LexBound::kPlusInf) return storage::PrefixEnd(base);
      std::string k = base + b.value;
      if (b.ex == is_min) k.push_back('\0');  // just past the value
      return k;
    };
    *out = IndexWalk(ctx, c, bound(r.min, true), bound(r.max, false), reverse);
    return Status::OK();
  }

  IndexWalk w = WholeIndex(ctx, c, reverse);
  for (; w.Valid(); w.Next()) {
    std::string_view m = w.member();
    if (reverse ? LexLteMax(m, r) : LexGteMin(m, r)) {
      if (reverse ? LexGteMin(m, r) : LexLteMax(m, r)) *out = std::move(w);
      return Status::OK();
    }
  }
  return w.status();
}

// ---------------------------------------------------------------------------------------------
// Where a range goes: the client's reply, or a list for ZRANGESTORE

class RangeSink {
 public:
  // To the client when `store` is null: members, with their scores when `withscores` (RESP2:
  // one flat array; RESP3: [member, score] pairs; no map, as the order matters). Otherwise the
  // members and scores are collected into *store (ZRANGESTORE, ZREMRANGE*).
  RangeSink(ReplyWriter* reply, bool withscores, std::vector<ScoredMember>* store)
      : reply_(reply),
        items_writer_(&items_, reply != nullptr ? reply->proto() : 2),
        withscores_(withscores),
        store_(store) {}
  RangeSink(const RangeSink&) = delete;
  RangeSink& operator=(const RangeSink&) = delete;

  void Emit(std::string_view member, double score) {
    ++count_;
    if (store_ != nullptr) {
      store_->push_back({std::string(member), score});
      return;
    }
    if (withscores_ && reply_->proto() >= 3) items_writer_.ArrayHeader(2);
    items_writer_.Bulk(member);
    if (withscores_) items_writer_.Double(score);
  }

  // Writes the client's array (a collecting sink has nothing to write).
  void Finish() {
    if (store_ != nullptr) return;
    reply_->ArrayHeader(withscores_ && reply_->proto() == 2 ? count_ * 2 : count_);
    reply_->Raw(items_);
  }

 private:
  ReplyWriter* reply_;
  std::string items_;
  ReplyWriter items_writer_;
  bool withscores_;
  std::vector<ScoredMember>* store_;
  size_t count_ = 0;
};

// Writes a computed sorted set to `dest` (setKey: any old value and its TTL go), or deletes
// `dest` when `items` is empty; replies with the new size. `items` holds distinct members.
Status StoreResult(CommandContext& ctx, std::string_view dest,
                   const std::vector<ScoredMember>& items, ReplyWriter* reply) {
  storage::Entry old;
  bool existed;
  Status s = cmd::LookupMeta(ctx, dest, &old, &existed);
  if (!s.ok()) return s;
  if (items.empty()) {
    if (existed) {
      s = ctx.storage().Delete(dest);
      if (!s.ok()) return s;
      MarkDirty(ctx);
    }
    reply->Integer(0);
    return Status::OK();
  }
  Collection dst;
  dst.key.assign(dest);
  dst.qualified = ctx.QualifiedKey(dest);
  dst.type = ValueType::kZset;
  dst.exists = existed;
  dst.expire_at_ms = 0;
  dst.meta.version = storage::NewVersion();
  dst.meta.size = items.size();
  storage::WriteBatch batch;
  for (const ScoredMember& it : items) PutMember(dst, &batch, it.member, it.score);
  s = cmd::Commit(ctx, dst, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx);
  reply->Integer(static_cast<int64_t>(items.size()));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY / ZREM

enum ZaddFlag : uint32_t {
  kZaddIncr = 1u << 0,
  kZaddNx = 1u << 1,
  kZaddXx = 1u << 2,
  kZaddGt = 1u << 3,
  kZaddLt = 1u << 4,
};

// zaddGenericCommand: ZADD, and ZINCRBY as ZADD with INCR (whose options parse the same way).
Status ZaddGeneric(CommandContext& ctx, const ArgList& args, uint32_t flags, ReplyWriter* reply) {
  bool ch = false;
  size_t idx = 2;
  for (; idx < args.size(); ++idx) {
    std::string_view opt = args[idx];
    if (EqualsIgnoreCase(opt, "nx")) {
      flags |= kZaddNx;
    } else if (EqualsIgnoreCase(opt, "xx")) {
      flags |= kZaddXx;
    } else if (EqualsIgnoreCase(opt, "ch")) {
      ch = true;
    } else if (EqualsIgnoreCase(opt, "incr")) {
      flags |= kZaddIncr;
    } else if (EqualsIgnoreCase(opt, "gt")) {
      flags |= kZaddGt;
    } else if (EqualsIgnoreCase(opt, "lt")) {
      flags |= kZaddLt;
    } else {
      break;
    }
  }
  const bool incr = flags & kZaddIncr, nx = flags & kZaddNx, xx = flags & kZaddXx;
  const bool gt = flags & kZaddGt, lt = flags & kZaddLt;

  size_t elements = args.size() - idx;
  if (elements % 2 != 0 || elements == 0) return cmd::SyntaxError();
  elements /= 2;
  if (nx && xx) return Status::Err("XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return Status::Err("GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 1) {
    return Status::Err("INCR option supports a single increment-element pair");
  }
  // Every score is parsed before anything is written: all or nothing.
  std::vector<double> scores(elements);  // sized by the arguments actually sent
  for (size_t j = 0; j < elements; ++j) {
    if (!ParseScore(args[idx + j * 2], &scores[j])) return NotFloat();
  }

  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection c;
  Status s = OpenZset(ctx, key, &c, false);
  if (!s.ok()) return s;

  uint64_t added = 0, updated = 0, processed = 0;
  double last_score = 0;
  if (c.exists || !xx) {
    storage::WriteBatch batch;
    // Members written earlier in this command (the batch is not readable until committed).
    std::unordered_map<std::string_view, double> written;
    for (size_t j = 0; j < elements; ++j) {
      std::string_view member = args[idx + 1 + j * 2];
      double score = scores[j];
      double cur = 0;
      bool have;
      auto w = written.find(member);
      if (w != written.end()) {
        have = true;
        cur = w->second;
      } else {
        s = GetScore(ctx, c, member, &cur, &have);
        if (!s.ok()) return s;
      }
      if (have) {
        if (nx) continue;
        if (incr) {
          score += cur;
          if (std::isnan(score)) return Status::Err(std::string(kNanScore));
        }
        if ((lt && score >= cur) || (gt && score <= cur)) continue;
        ++processed;
        last_score = score;
        if (score != cur) {
          batch.DeleteElement(c.Element(IndexSub(cur, member)));
          PutMember(c, &batch, member, score);
          written[member] = score;
          ++updated;
        }
      } else if (!xx) {
        PutMember(c, &batch, member, score);
        written[member] = score;
        ++c.meta.size;
        ++added;
        ++processed;
        last_score = score;
      }
    }
    if (added + updated > 0) {
      s = cmd::Commit(ctx, c, &batch);
      if (!s.ok()) return s;
      MarkDirty(ctx, added + updated);
    }
  }

  if (incr) {
    if (processed > 0) {
      reply->Double(last_score);
    } else {
      reply->Null();
    }
  } else {
    reply->Integer(static_cast<int64_t>(ch ? added + updated : added));
  }
  return Status::OK();
}

Status CmdZadd(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZaddGeneric(ctx, args, 0, reply);
}

Status CmdZincrby(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZaddGeneric(ctx, args, kZaddIncr, reply);
}

Status CmdZrem(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  std::string_view key = args[1];
  auto guard = ctx.locks().Lock(key);
  Collection c;
  Status s = OpenZset(ctx, key, &c, false);
  if (!s.ok()) return s;
  uint64_t deleted = 0;
  if (c.exists) {
    storage::WriteBatch batch;
    std::unordered_set<std::string_view> gone;
    for (size_t j = 2; j < args.size() && c.meta.size > 0; ++j) {
      if (gone.count(args[j]) != 0) continue;
      double score;
      bool found;
      s = GetScore(ctx, c, args[j], &score, &found);
      if (!s.ok()) return s;
      if (!found) continue;
      DeleteMember(c, &batch, args[j], score);
      gone.insert(args[j]);
      --c.meta.size;
      ++deleted;
    }
    if (deleted > 0) {
      s = cmd::Commit(ctx, c, &batch);
      if (!s.ok()) return s;
      MarkDirty(ctx, deleted);
    }
  }
  reply->Integer(static_cast<int64_t>(deleted));
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// ZCARD / ZSCORE / ZMSCORE / ZRANK / ZREVRANK / ZCOUNT / ZLEXCOUNT

Status CmdZcard(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  reply->Integer(c.exists ? static_cast<int64_t>(c.meta.size) : 0);
  return Status::OK();
}

Status CmdZscore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  double score;
  bool found;
  s = GetScore(ctx, c, args[2], &score, &found);
  if (!s.ok()) return s;
  if (found) {
    reply->Double(score);
  } else {
    reply->Null();
  }
  return Status::OK();
}

Status CmdZmscore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  cmd::ReplyMark mark(reply);
  reply->ArrayHeader(args.size() - 2);
  for (size_t j = 2; j < args.size(); ++j) {
    double score;
    bool found;
    s = GetScore(ctx, c, args[j], &score, &found);
    if (!s.ok()) return mark.Rewind(std::move(s));
    if (found) {
      reply->Double(score);
    } else {
      reply->Null();
    }
  }
  return Status::OK();
}

// The 0-based rank of `member` (from the top when `reverse`): an O(rank) walk of the index.
Status RankOf(CommandContext& ctx, const Collection& c, std::string_view member, bool reverse,
              int64_t* rank, bool* found) {
  double score;
  Status s = GetScore(ctx, c, member, &score, found);
  if (!s.ok() || !*found) return s;
  std::string at = IndexSub(score, member);
  IndexWalk w = reverse ? IndexWalk(ctx, c, at + '\0', kIndexEnd, false)
                        : IndexWalk(ctx, c, kIndexBegin, at, false);
  int64_t n = 0;
  for (; w.Valid(); w.Next()) ++n;
  *rank = n;
  return w.status();
}

Status ZrankGeneric(CommandContext& ctx, const ArgList& args, bool reverse, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  int64_t rank = 0;
  bool found = false;
  if (c.exists) {
    s = RankOf(ctx, c, args[2], reverse, &rank, &found);
    if (!s.ok()) return s;
  }
  if (found) {
    reply->Integer(rank);
  } else {
    reply->Null();
  }
  return Status::OK();
}

Status CmdZrank(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrankGeneric(ctx, args, false, reply);
}

Status CmdZrevrank(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrankGeneric(ctx, args, true, reply);
}

Status CmdZcount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  ScoreRange r;
  Status s = ParseScoreRange(args[2], args[3], &r);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  int64_t n = 0;
  IndexWalk w = ScoreWalk(ctx, c, r, false);
  for (; w.Valid(); w.Next()) ++n;
  if (!w.status().ok()) return w.status();
  reply->Integer(n);
  return Status::OK();
}

Status CmdZlexcount(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  LexRange r;
  Status s = ParseLexRange(args[2], args[3], &r);
  if (!s.ok()) return s;
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  IndexWalk w;
  s = LexWalk(ctx, c, r, false, &w);
  if (!s.ok()) return s;
  int64_t n = 0;
  for (; w.Valid() && !LexPastEnd(w.member(), r, false); w.Next()) ++n;
  if (!w.status().ok()) return w.status();
  reply->Integer(n);
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and its relatives: zrangeGenericCommand

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// genericZrangebyrankCommand.
Status RangeByRank(CommandContext& ctx, const Collection& c, int64_t start, int64_t end,
                   bool reverse, RangeSink* sink) {
  const int64_t len = static_cast<int64_t>(c.meta.size);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return Status::OK();
  if (end >= len) end = len - 1;
  int64_t n = end - start + 1;
  IndexWalk w = WholeIndex(ctx, c, reverse);
  for (int64_t skip = start; skip > 0 && w.Valid(); --skip) w.Next();
  for (; n > 0 && w.Valid(); --n, w.Next()) sink->Emit(w.member(), w.score());
  return w.status();
}

// genericZrangebyscoreCommand / genericZrangebylexCommand share the offset/limit walk: a
// negative offset skips everything, a negative limit means no limit.
template <typename PastEnd>
Status EmitWindow(IndexWalk* w, int64_t offset, int64_t limit, PastEnd past_end, RangeSink* sink) {
  if (offset < 0) return w->status();
  for (; offset > 0 && w->Valid(); --offset) w->Next();
  for (; limit != 0 && w->Valid(); w->Next()) {
    if (past_end(w->member(), w->score())) break;
    sink->Emit(w->member(), w->score());
    if (limit > 0) --limit;
  }
  return w->status();
}

// ZRANGE, ZRANGESTORE, ZREVRANGE, Z[REV]RANGEBYSCORE, Z[REV]RANGEBYLEX. `src_idx` is the source
// key's argument; `store` means args[1] is the destination.
Status ZrangeGeneric(CommandContext& ctx, const ArgList& args, size_t src_idx, bool store,
                     RangeType type, Direction dir, ReplyWriter* reply) {
  size_t min_idx = src_idx + 1, max_idx = src_idx + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;

  // Step 1: options.
  for (size_t j = src_idx + 3; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    std::string_view opt = args[j];
    if (!store && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      Status s = ParseLong(args[j + 1], &offset);
      if (s.ok()) s = ParseLong(args[j + 2], &limit);
      if (!s.ok()) return s;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(opt, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(opt, "byscore")) {
      type = RangeType::kScore;
    } else {
      return cmd::SyntaxError();
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  const bool reverse = dir == Direction::kReverse;
  if (limit != -1 && type == RangeType::kRank) {
    return Status::Err(
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  }
  if (withscores && type == RangeType::kLex) {
    return Status::Err("syntax error, WITHSCORES not supported in combination with BYLEX");
  }
  if (reverse && type != RangeType::kRank) std::swap(min_idx, max_idx);

  // Step 2: the range.
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  Status s;
  if (type == RangeType::kRank) {
    s = ParseLong(args[min_idx], &start);
    if (s.ok()) s = ParseLong(args[max_idx], &end);
  } else if (type == RangeType::kScore) {
    s = ParseScoreRange(args[min_idx], args[max_idx], &score_range);
  } else {
    s = ParseLexRange(args[min_idx], args[max_idx], &lex_range);
  }
  if (!s.ok()) return s;

  // Step 3: the walk.
  std::string_view src = args[src_idx];
  std::vector<std::string_view> keys{src};
  if (store) keys.push_back(args[1]);
  auto guard = ctx.locks().LockAll(keys);
  Collection c;
  s = OpenZset(ctx, src, &c, true);
  if (!s.ok()) return s;

  std::vector<ScoredMember> stored;
  RangeSink sink(reply, withscores, store ? &stored : nullptr);
  if (c.exists) {
    if (type == RangeType::kRank) {
      s = RangeByRank(ctx, c, start, end, reverse, &sink);
    } else if (type == RangeType::kScore) {
      if (offset > 0 && static_cast<uint64_t>(offset) >= c.meta.size) offset = -1;  // nothing
      IndexWalk w = ScoreWalk(ctx, c, score_range, reverse);
      s = EmitWindow(
          &w, offset, limit, [](std::string_view, double) { return false; }, &sink);
    } else {
      IndexWalk w;
      s = LexWalk(ctx, c, lex_range, reverse, &w);
      if (s.ok()) {
        s = EmitWindow(
            &w, offset, limit,
            [&](std::string_view m, double) { return LexPastEnd(m, lex_range, reverse); }, &sink);
      }
    }
    if (!s.ok()) return s;
  }
  if (store) return StoreResult(ctx, args[1], stored, reply);
  sink.Finish();
  return Status::OK();
}

Status CmdZrange(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kAuto, Direction::kAuto, reply);
}

Status CmdZrangestore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 2, true, RangeType::kAuto, Direction::kAuto, reply);
}

Status CmdZrevrange(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kRank, Direction::kReverse, reply);
}

Status CmdZrangebyscore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kScore, Direction::kForward, reply);
}

Status CmdZrevrangebyscore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kScore, Direction::kReverse, reply);
}

Status CmdZrangebylex(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kLex, Direction::kForward, reply);
}

Status CmdZrevrangebylex(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZrangeGeneric(ctx, args, 1, false, RangeType::kLex, Direction::kReverse, reply);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK / ZREMRANGEBYSCORE / ZREMRANGEBYLEX: zremrangeGenericCommand

Status ZremrangeGeneric(CommandContext& ctx, const ArgList& args, RangeType type,
                        ReplyWriter* reply) {
  int64_t start = 0, end = 0;
  ScoreRange score_range;
  LexRange lex_range;
  Status s;
  if (type == RangeType::kRank) {
    s = ParseLong(args[2], &start);
    if (s.ok()) s = ParseLong(args[3], &end);
  } else if (type == RangeType::kScore) {
    s = ParseScoreRange(args[2], args[3], &score_range);
  } else {
    s = ParseLexRange(args[2], args[3], &lex_range);
  }
  if (!s.ok()) return s;

  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  s = OpenZset(ctx, args[1], &c, false);
  if (!s.ok()) return s;
  std::vector<ScoredMember> doomed;  // at most the set's size
  if (c.exists) {
    RangeSink sink(nullptr, false, &doomed);
    if (type == RangeType::kRank) {
      s = RangeByRank(ctx, c, start, end, false, &sink);
    } else if (type == RangeType::kScore) {
      IndexWalk w = ScoreWalk(ctx, c, score_range, false);
      s = EmitWindow(
          &w, 0, -1, [](std::string_view, double) { return false; }, &sink);
    } else {
      IndexWalk w;
      s = LexWalk(ctx, c, lex_range, false, &w);
      if (s.ok()) {
        s = EmitWindow(
            &w, 0, -1, [&](std::string_view m, double) { return LexPastEnd(m, lex_range, false); },
            &sink);
      }
    }
    if (!s.ok()) return s;
  }
  if (!doomed.empty()) {
    storage::WriteBatch batch;
    for (const ScoredMember& d : doomed) DeleteMember(c, &batch, d.member, d.score);
    c.meta.size -= doomed.size();
    s = cmd::Commit(ctx, c, &batch);
    if (!s.ok()) return s;
    MarkDirty(ctx, doomed.size());
  }
  reply->Integer(static_cast<int64_t>(doomed.size()));
  return Status::OK();
}

Status CmdZremrangebyrank(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZremrangeGeneric(ctx, args, RangeType::kRank, reply);
}

Status CmdZremrangebyscore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZremrangeGeneric(ctx, args, RangeType::kScore, reply);
}

Status CmdZremrangebylex(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZremrangeGeneric(ctx, args, RangeType::kLex, reply);
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN / ZPOPMAX / ZMPOP (the pop itself is PopFromZset, below the anonymous namespace)

Status ZpopMinMax(CommandContext& ctx, const ArgList& args, bool pop_max, ReplyWriter* reply) {
  if (args.size() > 3) return cmd::SyntaxError();
  int64_t count = -1;
  if (args.size() == 3) {
    Status s = cmd::ParsePopCount(args[2], &count);
    if (!s.ok()) return s;
  }
  // A flat array in RESP2 or without COUNT; [member, score] pairs in RESP3 with COUNT.
  ZpopShape shape = reply->proto() > 2 && count != -1 ? ZpopShape::kNested : ZpopShape::kFlat;
  std::vector<std::string_view> keys{args[1]};
  auto guard = ctx.locks().LockAll(keys);
  bool found;
  Status s = PopFromZset(ctx, keys, pop_max, count, shape, reply, &found);
  if (!s.ok()) return s;
  if (!found) reply->ArrayHeader(0);
  return Status::OK();
}

Status CmdZpopmin(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZpopMinMax(ctx, args, false, reply);
}

Status CmdZpopmax(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZpopMinMax(ctx, args, true, reply);
}

// Nothing to pop (blocking forms): block if the client may (blocking.h), else answer as a
// timeout does (a null array).
void BlockOrNullArray(CommandContext& ctx, const std::vector<std::string_view>& keys,
                      int64_t timeout_ms, ReplyWriter* reply) {
  if (MayBlock(ctx)) {
    Block(ctx, keys, ValueType::kZset, BlockDeadline(ctx.now_ms, timeout_ms));
    return;
  }
  reply->NullArray();
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] and BZMPOP timeout numkeys ...:
// zmpopGenericCommand (numkeys, the direction and COUNT are checked before the timeout).
Status ZmpopGeneric(CommandContext& ctx, const ArgList& args, size_t numkeys_idx, bool blocking,
                    ReplyWriter* reply) {
  bool pop_max = false;
  auto parse_where = [&](std::string_view where) {
    if (EqualsIgnoreCase(where, "min")) {
      pop_max = false;
    } else if (EqualsIgnoreCase(where, "max")) {
      pop_max = true;
    } else {
      return cmd::SyntaxError();
    }
    return Status::OK();
  };
  cmd::MPopArgs mpop;
  Status s = cmd::ParseMPopArgs(args, numkeys_idx, parse_where, &mpop);
  if (!s.ok()) return s;
  int64_t timeout_ms = 0;
  if (blocking) {
    s = ParseBlockTimeout(args[1], &timeout_ms);
    if (!s.ok()) return s;
  }

  std::vector<std::string_view> keys(mpop.keys.begin(), mpop.keys.end());
  auto guard = ctx.locks().LockAll(keys);
  if (blocking && ShouldQueueBehindOthers(ctx, keys)) {
    Block(ctx, keys, ValueType::kZset, BlockDeadline(ctx.now_ms, timeout_ms));
    return Status::OK();
  }
  bool found;
  s = PopFromZset(ctx, ServeOrder(ctx, keys), pop_max, mpop.count, ZpopShape::kKeyNested, reply,
                  &found);
  if (!s.ok() || found) return s;
  if (blocking) {
    BlockOrNullArray(ctx, keys, timeout_ms, reply);
  } else {
    reply->NullArray();
  }
  return Status::OK();
}

Status CmdZmpop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZmpopGeneric(ctx, args, 1, false, reply);
}

Status CmdBzmpop(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return ZmpopGeneric(ctx, args, 2, true, reply);
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout (blockingGenericZpopCommand): [key, member, score]
// from the first sorted set with members.
Status BzpopGeneric(CommandContext& ctx, const ArgList& args, bool pop_max, ReplyWriter* reply) {
  int64_t timeout_ms;
  Status s = ParseBlockTimeout(args.back(), &timeout_ms);
  if (!s.ok()) return s;
  std::vector<std::string_view> keys(args.begin() + 1, args.end() - 1);
  auto guard = ctx.locks().LockAll(keys);
  if (ShouldQueueBehindOthers(ctx, keys)) {
    Block(ctx, keys, ValueType::kZset, BlockDeadline(ctx.now_ms, timeout_ms));
    return Status::OK();
  }
  bool found;
  s = PopFromZset(ctx, ServeOrder(ctx, keys), pop_max, -1, ZpopShape::kKeyFlat, reply, &found);
  if (!s.ok() || found) return s;
  BlockOrNullArray(ctx, keys, timeout_ms, reply);
  return Status::OK();
}

Status CmdBzpopmin(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BzpopGeneric(ctx, args, false, reply);
}

Status CmdBzpopmax(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return BzpopGeneric(ctx, args, true, reply);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

// Picks with repetition come in batches of at most this many indexes per walk of the set.
constexpr uint64_t kRandomSampleBatch = 1000;

// The hard client-output-buffer-limit for normal clients (0 = none): Redis stops a long
// ZRANDMEMBER -count once the client is marked to be closed for passing it.
uint64_t OutputHardLimit(CommandContext& ctx) {
  std::lock_guard<std::mutex> g(ctx.config().mu());
  return static_cast<uint64_t>(std::max<int64_t>(0, ctx.config().output_limit_normal.hard));
}

void EmitRandom(ReplyWriter* reply, bool withscores, std::string_view member, double score) {
  if (withscores && reply->proto() > 2) reply->ArrayHeader(2);
  reply->Bulk(member);
  if (withscores) reply->Double(score);
}

// zrandmemberWithCountCommand.
Status ZrandmemberWithCount(CommandContext& ctx, const Collection& c, int64_t l, bool withscores,
                            ReplyWriter* reply) {
  if (!c.exists || l == 0) {
    reply->ArrayHeader(0);
    return Status::OK();
  }
  const uint64_t size = c.meta.size;
  const bool uniq = l > 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  cmd::ReplyMark mark(reply);

  // CASE 1: picks with repetition (negative count), or a single pick.
  if (!uniq || count == 1) {
    reply->ArrayHeader(withscores && reply->proto() == 2 ? count * 2 : count);
    if (count <= kRandomSampleBatch) {
      // One walk: sort the picked indexes, fill them in, reply in pick order.
      std::vector<std::pair<uint64_t, size_t>> picks(count);
      for (size_t i = 0; i < picks.size(); ++i) picks[i] = {RandomBelow(size), i};
      std::sort(picks.begin(), picks.end());
      std::vector<ScoredMember> chosen(picks.size());
      IndexWalk w = WholeIndex(ctx, c, false);
      uint64_t pos = 0;
      for (size_t p = 0; p < picks.size() && w.Valid();) {
        if (picks[p].first == pos) {
          chosen[picks[p].second] = {std::string(w.member()), w.score()};
          ++p;
        } else {
          w.Next();
          ++pos;
        }
      }
      if (!w.status().ok()) return mark.Rewind(w.status());
      for (const ScoredMember& m : chosen) EmitRandom(reply, withscores, m.member, m.score);
      return Status::OK();
    }
    // Many picks: hold the whole set (its size, not the count, bounds the memory) and stream
    // the picks, stopping as Redis does once the output passes the hard limit.
    std::vector<ScoredMember> all;
    IndexWalk w = WholeIndex(ctx, c, false);
    for (; w.Valid(); w.Next()) all.push_back({std::string(w.member()), w.score()});
    if (!w.status().ok()) return mark.Rewind(w.status());
    if (all.empty()) return mark.Rewind(Status::Corruption("sorted set size mismatch"));
    const uint64_t hard = OutputHardLimit(ctx);
    const size_t start = reply->buffer()->size();
    for (uint64_t i = 0; i < count; ++i) {
      const ScoredMember& m = all[RandomBelow(all.size())];
      EmitRandom(reply, withscores, m.member, m.score);
      if (hard > 0 && i % kRandomSampleBatch == 0 && reply->buffer()->size() - start > hard) {
        break;
      }
    }
    return Status::OK();
  }

  // CASE 2..4: distinct members. All of them when count >= size; otherwise selection sampling
  // (Knuth's algorithm S) in one streaming walk. Highest score first, as Redis's zuiNext walks.
  const uint64_t n = std::min(count, size);
  reply->ArrayHeader(withscores && reply->proto() == 2 ? n * 2 : n);
  uint64_t needed = n, remaining = size;
  IndexWalk w = WholeIndex(ctx, c, true);
  for (; w.Valid() && needed > 0; w.Next(), --remaining) {
    if (needed == remaining || RandomBelow(remaining) < needed) {
      EmitRandom(reply, withscores, w.member(), w.score());
      --needed;
    }
  }
  if (!w.status().ok()) return mark.Rewind(w.status());
  if (needed > 0) return mark.Rewind(Status::Corruption("sorted set size mismatch"));
  return Status::OK();
}

Status CmdZrandmember(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  int64_t l = 0;
  bool withscores = false;
  if (args.size() >= 3) {
    Status s = cmd::ParseRandomOptions(args, "withscores", &l, &withscores);
    if (!s.ok()) return s;
  }
  auto guard = ctx.locks().Lock(args[1]);
  Collection c;
  Status s = OpenZset(ctx, args[1], &c, true);
  if (!s.ok()) return s;
  if (args.size() >= 3) return ZrandmemberWithCount(ctx, c, l, withscores, reply);

  if (!c.exists) {
    reply->Null();
    return Status::OK();
  }
  IndexWalk w = WholeIndex(ctx, c, false);
  for (uint64_t skip = RandomBelow(c.meta.size); skip > 0 && w.Valid(); --skip) w.Next();
  if (!w.status().ok()) return w.status();
  if (!w.Valid()) return Status::Corruption("sorted set size mismatch");
  reply->Bulk(w.member());
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF / ZINTERCARD and their STORE forms: zunionInterDiffGenericCommand

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// An input: a sorted set, a set (every member scores 1) or a missing key (empty).
struct Source {
  Collection c;
  double weight = 1.0;
  uint64_t size() const { return c.exists ? c.meta.size : 0; }
};

// lookupKeyRead + the zset-or-set type check.
Status OpenSource(CommandContext& ctx, std::string_view key, Source* src) {
  Collection& c = src->c;
  c.key.assign(key);
  c.qualified = ctx.QualifiedKey(key);
  storage::Entry e;
  bool found;
  Status s = cmd::LookupRead(ctx, key, &e, &found);
  if (!s.ok()) return s;
  c.exists = found;
  if (!found) return Status::OK();
  if (e.type != ValueType::kZset && e.type != ValueType::kSet) return Status::WrongType();
  c.type = e.type;
  c.expire_at_ms = e.expire_at_ms;
  return storage::DecodeMeta(e.type, e.payload, &c.meta);
}

// Calls fn(member, score) for every element of src until it returns false.
template <typename Fn>
Status ForEachElement(CommandContext& ctx, const Source& src, Fn fn) {
  if (!src.c.exists) return Status::OK();
  const size_t prefix_len = src.c.Prefix().size();
  if (src.c.type == ValueType::kSet) {
    auto it = cmd::Elements(ctx, src.c);
    for (; it->Valid(); it->Next()) {
      if (!fn(it->key().substr(prefix_len), 1.0)) break;
    }
    return it->status();
  }
  auto it = cmd::ElementRange(ctx, src.c, kMembersBegin, kMembersEnd);
  for (; it->Valid(); it->Next()) {
    if (it->value().size() != 8) return Status::Corruption("bad sorted-set score record");
    if (!fn(it->key().substr(prefix_len + 1), storage::DecodeScore(it->value()))) break;
  }
  return it->status();
}

// zuiFind: the score of member in src (1 for a set's members).
Status FindInSource(CommandContext& ctx, const Source& src, std::string_view member, double* score,
                    bool* found) {
  *found = false;
  if (!src.c.exists) return Status::OK();
  if (src.c.type == ValueType::kZset) return GetScore(ctx, src.c, member, score, found);
  std::string value;
  Status s = cmd::GetElement(ctx, src.c, member, &value);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  *score = 1.0;
  *found = true;
  return Status::OK();
}

// zunionInterAggregate: SUM turns inf + -inf into 0.
void AggregateInto(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

// `numkeys_idx` is 1 for ZUNION/ZINTER/ZDIFF/ZINTERCARD, 2 for the STORE forms (args[1] is the
// destination).
Status SetOpGeneric(CommandContext& ctx, const ArgList& args, size_t numkeys_idx, SetOp op,
                    bool cardinality_only, ReplyWriter* reply) {
  const bool store = numkeys_idx == 2;
  int64_t setnum;
  Status s = ParseLong(args[numkeys_idx], &setnum);
  if (!s.ok()) return s;
  if (setnum < 1) {
    return Status::Err("at least 1 input key is needed for '" + ctx.cmd->name + "' command");
  }
  if (static_cast<uint64_t>(setnum) > args.size() - (numkeys_idx + 1)) {
    return cmd::SyntaxError();
  }
  const size_t nsrc = static_cast<size_t>(setnum);  // bounded by the arguments sent

  std::vector<std::string_view> keys(args.begin() + numkeys_idx + 1,
                                     args.begin() + numkeys_idx + 1 + nsrc);
  if (store) keys.push_back(args[1]);
  auto guard = ctx.locks().LockAll(keys);

  // Inputs are looked up (and type-checked) before the options are parsed, as in Redis.
  std::vector<Source> src(nsrc);
  for (size_t i = 0; i < nsrc; ++i) {
    s = OpenSource(ctx, args[numkeys_idx + 1 + i], &src[i]);
    if (!s.ok()) return s;
  }

  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  for (size_t j = numkeys_idx + 1 + nsrc; j < args.size();) {
    const size_t remaining = args.size() - j;
    std::string_view opt = args[j];
    if (op != SetOp::kDiff && !cardinality_only && remaining >= nsrc + 1 &&
        EqualsIgnoreCase(opt, "weights")) {
      ++j;
      for (size_t i = 0; i < nsrc; ++i, ++j) {
        if (!ParseScore(args[j], &src[i].weight)) {
          return Status::Err("weight value is not a float");
        }
      }
    } else if (op != SetOp::kDiff && !cardinality_only && remaining >= 2 &&
               EqualsIgnoreCase(opt, "aggregate")) {
      std::string_view a = args[j + 1];
      if (EqualsIgnoreCase(a, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsIgnoreCase(a, "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsIgnoreCase(a, "max")) {
        agg = Aggregate::kMax;
      } else {
        return cmd::SyntaxError();
      }
      j += 2;
    } else if (!store && !cardinality_only && EqualsIgnoreCase(opt, "withscores")) {
      withscores = true;
      ++j;
    } else if (cardinality_only && remaining >= 2 && EqualsIgnoreCase(opt, "limit")) {
      s = ParseLongInRange(args[j + 1], 0, INT64_MAX, &limit, "LIMIT can't be negative");
      if (!s.ok()) return s;
      j += 2;
    } else {
      return cmd::SyntaxError();
    }
  }

  // Smallest input first (a stable sort, as glibc's qsort is a merge sort): it bounds an
  // intersection, and the order of SUM's additions follows it.
  if (op != SetOp::kDiff) {
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
  }

  std::vector<ScoredMember> result;
  uint64_t cardinality = 0;
  Status inner;
  if (op == SetOp::kInter) {
    if (src[0].size() > 0) {
      s = ForEachElement(ctx, src[0], [&](std::string_view member, double score0) {
        double score = src[0].weight * score0;
        if (std::isnan(score)) score = 0;
        for (size_t j = 1; j < nsrc; ++j) {
          double value;
          bool found;
          inner = FindInSource(ctx, src[j], member, &value, &found);
          if (!inner.ok()) return false;
          if (!found) return true;
          AggregateInto(&score, value * src[j].weight, agg);
        }
        if (!cardinality_only) {
          result.push_back({std::string(member), score});
          return true;
        }
        ++cardinality;
        return limit == 0 || cardinality < static_cast<uint64_t>(limit);
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (size_t i = 0; i < nsrc && s.ok(); ++i) {
      s = ForEachElement(ctx, src[i], [&](std::string_view member, double score0) {
        double score = src[i].weight * score0;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = acc.try_emplace(std::string(member), score);
        if (!fresh) AggregateInto(&it->second, score, agg);
        return true;
      });
    }
    for (auto& [member, score] : acc) result.push_back({member, score});
  } else {
    if (src[0].size() > 0) {
      s = ForEachElement(ctx, src[0], [&](std::string_view member, double score0) {
        for (size_t j = 1; j < nsrc; ++j) {
          double value;
          bool found;
          inner = FindInSource(ctx, src[j], member, &value, &found);
          if (!inner.ok()) return false;
          if (found) return true;
        }
        result.push_back({std::string(member), score0});
        return true;
      });
    }
  }
  if (!s.ok()) return s;
  if (!inner.ok()) return inner;

  if (cardinality_only) {
    reply->Integer(static_cast<int64_t>(cardinality));
    return Status::OK();
  }
  std::sort(result.begin(), result.end(), ScoreOrder);
  if (store) return StoreResult(ctx, args[1], result, reply);
  reply->ArrayHeader(withscores && reply->proto() == 2 ? result.size() * 2 : result.size());
  for (const ScoredMember& m : result) {
    if (withscores && reply->proto() > 2) reply->ArrayHeader(2);
    reply->Bulk(m.member);
    if (withscores) reply->Double(m.score);
  }
  return Status::OK();
}

Status CmdZunion(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 1, SetOp::kUnion, false, reply);
}

Status CmdZinter(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 1, SetOp::kInter, false, reply);
}

Status CmdZdiff(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 1, SetOp::kDiff, false, reply);
}

Status CmdZintercard(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 1, SetOp::kInter, true, reply);
}

Status CmdZunionstore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 2, SetOp::kUnion, false, reply);
}

Status CmdZinterstore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 2, SetOp::kInter, false, reply);
}

Status CmdZdiffstore(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SetOpGeneric(ctx, args, 2, SetOp::kDiff, false, reply);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN
//
// A sorted set of at most zset-max-listpack-entries members comes back whole in one reply with
// cursor 0, in score order, scores as d2string prints them: what Redis does for its listpack
// encoding. A larger one is walked in member order; the cursor is the first 8 bytes of the next
// member (big-endian, zero-padded), so members present for the whole iteration are returned
// even if others come and go. A call finishes every member sharing the last one's 8-byte prefix,
// so a continuation cursor is never 0 and always moves forward.

uint64_t MemberCursor(std::string_view member) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) {
    v = (v << 8) | (i < member.size() ? static_cast<uint8_t>(member[i]) : 0);
  }
  return v;
}

// The member-table sub at which a cursor resumes: the prefix without its zero padding (a
// member shorter than 8 bytes sorts before its padded form).
std::string CursorSub(uint64_t cursor) {
  std::string sub = MemberSub({});
  for (int shift = 56; shift >= 0; shift -= 8) sub.push_back(static_cast<char>(cursor >> shift));
  while (sub.size() > 1 && sub.back() == '\0') sub.pop_back();
  return sub;
}

Status CmdZscan(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  uint64_t cursor;
  Collection c;
  cmd::ScanOptions opt;
  bool open;
  Status s = cmd::OpenForScan(ctx, args, ValueType::kZset, &cursor, &c, &opt, reply, &open);
  if (!open) return s;

  std::string items;
  ReplyWriter items_writer(&items, reply->proto());
  size_t n = 0;
  auto add = [&](std::string_view member, const std::string& score_text) {
    if (!opt.Matches(member)) return;
    items_writer.Bulk(member);
    items_writer.Bulk(score_text);
    n += 2;
  };
  uint64_t next = 0;
  const int64_t small = ctx.config().zset_max_listpack_entries.load(std::memory_order_relaxed);
  if (c.meta.size <= static_cast<uint64_t>(std::max<int64_t>(0, small))) {
    IndexWalk w = WholeIndex(ctx, c, false);
    for (; w.Valid(); w.Next()) add(w.member(), D2String(w.score()));
    if (!w.status().ok()) return w.status();
  } else {
    const size_t prefix_len = c.Prefix().size();
    auto it = cmd::ElementRange(ctx, c, CursorSub(cursor), kMembersEnd);
    int64_t taken = 0;
    uint64_t group = 0;
    for (; it->Valid(); it->Next()) {
      std::string_view member = it->key().substr(prefix_len + 1);
      const uint64_t here = MemberCursor(member);
      if (taken >= opt.count && here != group) {
        next = here;
        break;
      }
      if (it->value().size() != 8) return Status::Corruption("bad sorted-set score record");
      add(member, ScanScoreText(storage::DecodeScore(it->value())));
      group = here;
      ++taken;
    }
    if (!it->status().ok()) return it->status();
  }
  reply->ArrayHeader(2);
  reply->Bulk(std::to_string(next));
  reply->ArrayHeader(n);
  reply->Raw(items);
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// PopFromZset (declared at the top)

Status PopFromZset(CommandContext& ctx, const std::vector<std::string_view>& keys, bool pop_max,
                   int64_t count, ZpopShape shape, resp::ReplyWriter* reply, bool* found) {
  *found = false;
  Collection c;
  for (std::string_view key : keys) {
    Status s = OpenZset(ctx, key, &c, false);
    if (!s.ok()) return s;
    if (c.exists) break;
  }
  if (!c.exists) return Status::OK();
  *found = true;
  if (count == 0) {
    reply->ArrayHeader(0);
    return Status::OK();
  }
  if (count < 0) count = 1;

  std::vector<ScoredMember> popped;  // at most the set's size
  IndexWalk w = WholeIndex(ctx, c, pop_max);
  for (int64_t n = count; n > 0 && w.Valid(); --n, w.Next()) {
    popped.push_back({std::string(w.member()), w.score()});
  }
  if (!w.status().ok()) return w.status();
  storage::WriteBatch batch;
  for (const ScoredMember& m : popped) DeleteMember(c, &batch, m.member, m.score);
  c.meta.size -= std::min<uint64_t>(c.meta.size, popped.size());
  Status s = cmd::Commit(ctx, c, &batch);
  if (!s.ok()) return s;
  MarkDirty(ctx, popped.size());

  const bool nested = shape == ZpopShape::kNested || shape == ZpopShape::kKeyNested;
  switch (shape) {
    case ZpopShape::kFlat:
      reply->ArrayHeader(popped.size() * 2);
      break;
    case ZpopShape::kNested:
      reply->ArrayHeader(popped.size());
      break;
    case ZpopShape::kKeyFlat:
      reply->ArrayHeader(popped.size() * 2 + 1);
      reply->Bulk(c.key);
      break;
    case ZpopShape::kKeyNested:
      reply->ArrayHeader(2);
      reply->Bulk(c.key);
      reply->ArrayHeader(popped.size());
      break;
  }
  for (const ScoredMember& m : popped) {
    if (nested) reply->ArrayHeader(2);
    reply->Bulk(m.member);
    reply->Double(m.score);
  }
  return Status::OK();
}

void RegisterZsetCommands(CommandTable& table) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kM = kCmdDenyOom;
  constexpr uint32_t kF = kCmdFast;
  constexpr std::string_view kRangeCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements returned.";
  constexpr std::string_view kRangeLimitCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements being returned. If M is constant (e.g. always asking for the first 10 elements "
      "with LIMIT), you can consider it O(log(N)).";
  constexpr std::string_view kRemRangeCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.";
  constexpr std::string_view kInterCost =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  constexpr std::string_view kDiffCost =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N "
      "is the size of the first set, and K is the size of the result set.";
  constexpr std::string_view kPopCost =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.";
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS. The commands whose keys follow a
  // numkeys argument are "movablekeys" there, with first/last/step 0 0 0 (ZUNION, ZINTER,
  // ZDIFF, ZINTERCARD, ZMPOP) or 1 1 1 (the STORE forms: only the destination).
  const cmd::CommandDef defs[] = {
      {"zadd", -4, kW | kM | kF, 1, 1, 1, CmdZadd,
       "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0",
       "O(log(N)) for each item added, where N is the number of elements in the sorted set."},
      {"zincrby", 4, kW | kM | kF, 1, 1, 1, CmdZincrby,
       "Increment the score of a member in a sorted set", "1.2.0",
       "O(log(N)) where N is the number of elements in the sorted set."},
      {"zrem", -3, kW | kF, 1, 1, 1, CmdZrem, "Remove one or more members from a sorted set",
       "1.2.0",
       "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
       "elements to be removed."},
      {"zcard", 2, kR | kF, 1, 1, 1, CmdZcard, "Get the number of members in a sorted set", "1.2.0",
       "O(1)"},
      {"zscore", 3, kR | kF, 1, 1, 1, CmdZscore,
       "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)"},
      {"zmscore", -3, kR | kF, 1, 1, 1, CmdZmscore,
       "Get the score associated with the given members in a sorted set", "6.2.0",
       "O(N) where N is the number of members being requested."},
      {"zrank", 3, kR | kF, 1, 1, 1, CmdZrank, "Determine the index of a member in a sorted set",
       "2.0.0", "O(log(N))"},
      {"zrevrank", 3, kR | kF, 1, 1, 1, CmdZrevrank,
       "Determine the index of a member in a sorted set, with scores ordered from high to low",
       "2.0.0", "O(log(N))"},
      {"zcount", 4, kR | kF, 1, 1, 1, CmdZcount,
       "Count the members in a sorted set with scores within the given values", "2.0.0",
       "O(log(N)) with N being the number of elements in the sorted set."},
      {"zlexcount", 4, kR | kF, 1, 1, 1, CmdZlexcount,
       "Count the number of members in a sorted set between a given lexicographical range", "2.8.9",
       "O(log(N)) with N being the number of elements in the sorted set."},
      {"zrange", -4, kR, 1, 1, 1, CmdZrange, "Return a range of members in a sorted set", "1.2.0",
       kRangeCost},
      {"zrangestore", -5, kW | kM, 1, 2, 1, CmdZrangestore,
       "Store a range of members from sorted set into another key", "6.2.0",
       "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
       "elements stored into the destination key."},
      {"zrangebyscore", -4, kR, 1, 1, 1, CmdZrangebyscore,
       "Return a range of members in a sorted set, by score", "1.0.5", kRangeLimitCost},
      {"zrevrangebyscore", -4, kR, 1, 1, 1, CmdZrevrangebyscore,
       "Return a range of members in a sorted set, by score, with scores ordered from high to "
       "low",
       "2.2.0", kRangeLimitCost},
      {"zrangebylex", -4, kR, 1, 1, 1, CmdZrangebylex,
       "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
       kRangeLimitCost},
      {"zrevrangebylex", -4, kR, 1, 1, 1, CmdZrevrangebylex,
       "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
       "to lower strings.",
       "2.8.9", kRangeLimitCost},
      {"zrevrange", -4, kR, 1, 1, 1, CmdZrevrange,
       "Return a range of members in a sorted set, by index, with scores ordered from high to "
       "low",
       "1.2.0", kRangeCost},
      {"zremrangebyscore", 4, kW, 1, 1, 1, CmdZremrangebyscore,
       "Remove all members in a sorted set within the given scores", "1.2.0", kRemRangeCost},
      {"zremrangebyrank", 4, kW, 1, 1, 1, CmdZremrangebyrank,
       "Remove all members in a sorted set within the given indexes", "2.0.0", kRemRangeCost},
      {"zremrangebylex", 4, kW, 1, 1, 1, CmdZremrangebylex,
       "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
       kRemRangeCost},
      {"zpopmin", -2, kW | kF, 1, 1, 1, CmdZpopmin,
       "Remove and return members with the lowest scores in a sorted set", "5.0.0", kPopCost},
      {"zpopmax", -2, kW | kF, 1, 1, 1, CmdZpopmax,
       "Remove and return members with the highest scores in a sorted set", "5.0.0", kPopCost},
      {"zmpop", -4, kW, 0, 0, 0, CmdZmpop, "Remove and return members with scores in a sorted set",
       "7.0.0",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped."},
      {"bzpopmin", -3, kW | kCmdNoScript | kCmdBlocking | kF, 1, -2, 1, CmdBzpopmin,
       "Remove and return the member with the lowest score from one or more sorted sets, or "
       "block until one is available",
       "5.0.0", "O(log(N)) with N being the number of elements in the sorted set."},
      {"bzpopmax", -3, kW | kCmdNoScript | kCmdBlocking | kF, 1, -2, 1, CmdBzpopmax,
       "Remove and return the member with the highest score from one or more sorted sets, or "
       "block until one is available",
       "5.0.0", "O(log(N)) with N being the number of elements in the sorted set."},
      {"bzmpop", -5, kW | kCmdBlocking, 0, 0, 0, CmdBzmpop,
       "Remove and return members with scores in a sorted set or block until one is available",
       "7.0.0",
       "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
       "elements in the sorted set, and M being the number of elements popped."},
      {"zrandmember", -2, kR, 1, 1, 1, CmdZrandmember,
       "Get one or multiple random elements from a sorted set", "6.2.0",
       "O(N) where N is the number of elements returned"},
      {"zunion", -3, kR, 0, 0, 0, CmdZunion, "Add multiple sorted sets", "6.2.0",
       "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
       "the number of elements in the resulting sorted set."},
      {"zinter", -3, kR, 0, 0, 0, CmdZinter, "Intersect multiple sorted sets", "6.2.0", kInterCost},
      {"zdiff", -3, kR, 0, 0, 0, CmdZdiff, "Subtract multiple sorted sets", "6.2.0", kDiffCost},
      {"zintercard", -3, kR, 0, 0, 0, CmdZintercard,
       "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
       "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
       "input sorted sets."},
      {"zunionstore", -4, kW | kM, 1, 1, 1, CmdZunionstore,
       "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
       "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
       "the number of elements in the resulting sorted set."},
      {"zinterstore", -4, kW | kM, 1, 1, 1, CmdZinterstore,
       "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
       kInterCost},
      {"zdiffstore", -4, kW | kM, 1, 1, 1, CmdZdiffstore,
       "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0",
       kDiffCost},
      {"zscan", -3, kR, 1, 1, 1, CmdZscan,
       "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
       "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
       "the cursor to return back to 0. N is the number of elements inside the collection.."},
  };
  cmd::RegisterAll(table, "sorted-set", defs, std::size(defs));
}

}  // namespace ringkv
