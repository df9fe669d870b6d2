// SORT and SORT_RO (issue 10): sortCommandGeneric in Redis 7.0's sort.c, over lists, sets and
// sorted sets, with its option rules, LIMIT arithmetic, comparison rules and error texts.
//
// How it runs: the options are parsed first (a bad LIMIT or an unknown word fails before the key
// is read); then the key is read under its lock (and STORE's destination's, one LockAll) and its
// elements are loaded into a vector, the only copy SORT makes. As in Redis, when there is nothing
// to sort (BY a pattern without '*') a list or sorted set loads only the LIMIT range, read
// straight from the list's index range or the sorted set's score order; otherwise every element
// is loaded (the vector is sized by the collection, never by LIMIT's numbers). Scores or
// comparison values come from the elements themselves or from the keys BY names; the vector is
// sorted; GET patterns are resolved for the output range only, while writing the reply (or the
// STORE list).
//
// Where ringkv differs from Redis, and why:
// - Pattern keys (BY/GET) are read without their locks: they are known only from the elements,
//   and a handler locks once, before reading. Each lookup sees one committed state of its key,
//   but SORT is not atomic against concurrent writes to the pattern keys (Redis's single thread
//   makes it so). In a cluster, patterns are refused as Redis Cluster 7.0 refuses them.
// - ALPHA without STORE compares with strcmp, which is strcoll in the C locale; Redis uses
//   strcoll in the locale of its environment (setlocale(LC_COLLATE, "")).
// - Ties the comparison leaves open (ALPHA BY with equal or missing values) keep the order the
//   elements were loaded in (std::stable_sort, as glibc's merge-sort qsort does); Redis's order
//   among them is its container's iteration order, random for hash-table sets.
// - BY nosort over a set returns the members in ringkv's order: numeric when Redis would hold
//   the set as an intset (it iterates intsets in order), bytewise otherwise (Redis: hash order).

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

using resp::ReplyWriter;
using storage::Entry;
using storage::ValueType;

struct SortItem {
  std::string obj;                 // the element
  double score = 0;                // numeric sort: its weight
  std::optional<std::string> cmp;  // ALPHA BY: the BY value; nullopt when the key is missing
};

// The part of a pattern C code sees (Redis's strchr/strstr stop at the first NUL byte).
std::string_view CString(std::string_view s) { return s.substr(0, s.find('\0')); }

// lookupKeyByPattern: "#" is the element itself; otherwise the first '*' of the pattern is
// replaced by the element, and "->field" after it names a hash field. A pattern without '*', a
// missing key, or a key of the wrong type (a string for a plain pattern, a hash for "->") gives
// *found = false.
Status LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view subst,
                       std::string* out, bool* found) {
  *found = false;
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    out->assign(subst.data(), subst.size());
    *found = true;
    return Status::OK();
  }
  const std::string_view cpat = CString(pattern);
  const size_t star = cpat.find('*');
  if (star == std::string_view::npos) return Status::OK();
  size_t field_len = 0;
  const size_t arrow = cpat.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < cpat.size()) {
    field_len = pattern.size() - arrow - 2;
  }
  const size_t postfix_len = pattern.size() - (star + 1) - (field_len != 0 ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + subst.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(subst);
  key.append(pattern.substr(star + 1, postfix_len));

  Entry e;
  bool exists;
  Status s = cmd::LookupRead(ctx, key, &e, &exists);
  if (!s.ok() || !exists) return s;
  if (field_len == 0) {
    if (e.type != ValueType::kString) return Status::OK();
    *out = std::move(e.payload);
    *found = true;
    return Status::OK();
  }
  if (e.type != ValueType::kHash) return Status::OK();
  storage::CollectionMeta meta;
  s = storage::DecodeMeta(e.type, e.payload, &meta);
  if (!s.ok()) return s;
  s = ctx.storage().GetElement(
      storage::ElementKey(ctx.QualifiedKey(key), meta.version, pattern.substr(arrow + 2)), out);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  *found = true;
  return Status::OK();
}

// The weight of a value for a numeric sort, as Redis reads it with strtod: the whole C string
// must parse, without overflow or underflow, and not as NaN.
bool SortScore(const std::string& value, double* out) {
  char* end;
  errno = 0;
  *out = std::strtod(value.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

// True if Redis 7.0 would hold this set as an intset (then it iterates it in numeric order).
bool IntsetOrder(CommandContext& ctx, const std::vector<SortItem>& items,
                 std::vector<int64_t>* values) {
  if (items.size() > static_cast<uint64_t>(ctx.config().set_max_intset_entries.load())) {
    return false;
  }
  values->clear();
  for (const SortItem& item : items) {
    int64_t v;
    if (!ParseInt64(item.obj, &v)) return false;
    values->push_back(v);
  }
  return true;
}

// Loads the members of a set (every one: sets have no order to take a range from).
Status LoadSet(CommandContext& ctx, const cmd::Collection& c, std::vector<SortItem>* items) {
  auto it = cmd::Elements(ctx, c);
  for (; it->Valid(); it->Next()) items->push_back({std::string(c.Sub(it->key()))});
  return it->status();
}

// Loads `count` items of a list from position `start` (from the tail when `desc`), or all.
Status LoadList(CommandContext& ctx, const cmd::Collection& c, int64_t start, int64_t count,
                bool desc, std::vector<SortItem>* items) {
  const uint64_t len = c.meta.tail - c.meta.head;
  const uint64_t first = static_cast<uint64_t>(start);
  const uint64_t n = static_cast<uint64_t>(count);
  // Ascending: indexes head+first .. head+first+n-1; descending: the mirror image from the tail.
  const uint64_t lower = desc ? c.meta.head + (len - first - n) : c.meta.head + first;
  auto it =
      cmd::ElementRange(ctx, c, storage::EncodeIndex(lower), storage::EncodeIndex(lower + n), desc);
  for (; it->Valid(); it->Next()) items->push_back({std::string(it->value())});
  return it->status();
}

// Loads `count` members of a sorted set in score order from rank `start` (from the highest score
// when `desc`); count < 0 = all, in member order (the caller sorts them).
Status LoadZset(CommandContext& ctx, const cmd::Collection& c, int64_t start, int64_t count,
                bool desc, std::vector<SortItem>* items) {
  if (count < 0) {
    const std::string tag(1, storage::kZsetMemberTag);
    const std::string tag_end(1, static_cast<char>(storage::kZsetMemberTag + 1));
    auto it = cmd::ElementRange(ctx, c, tag, tag_end);
    for (; it->Valid(); it->Next()) items->push_back({std::string(c.Sub(it->key()).substr(1))});
    return it->status();
  }
  // Score records: 's' + 8-byte score + member. Rank `start` is reached by walking (Redis's
  // skiplist finds it in O(log N)).
  const std::string tag(1, storage::kZsetScoreTag);
  const std::string tag_end(1, static_cast<char>(storage::kZsetScoreTag + 1));
  auto it = cmd::ElementRange(ctx, c, tag, tag_end, desc);
  for (int64_t rank = 0; it->Valid() && rank < start + count; it->Next(), ++rank) {
    if (rank >= start) items->push_back({std::string(c.Sub(it->key()).substr(1 + 8))});
  }
  return it->status();
}

// sortCompare in sort.c.
struct SortCompare {
  bool alpha;
  bool by_pattern;
  bool store;
  bool desc;

  int Compare(const SortItem& a, const SortItem& b) const {
    int cmp;
    if (!alpha) {
      if (a.score > b.score) {
        cmp = 1;
      } else if (a.score < b.score) {
        cmp = -1;
      } else {
        // Equal weights: the elements decide (binary), so the result is deterministic.
        cmp = a.obj.compare(b.obj);
      }
    } else if (by_pattern) {
      if (!a.cmp || !b.cmp) {
        cmp = a.cmp.has_value() == b.cmp.has_value() ? 0 : (!a.cmp ? -1 : 1);
      } else {
        cmp = store ? a.cmp->compare(*b.cmp) : std::strcmp(a.cmp->c_str(), b.cmp->c_str());
      }
    } else {
      cmp = store ? a.obj.compare(b.obj) : std::strcmp(a.obj.c_str(), b.obj.c_str());
    }
    return desc ? -cmp : cmp;
  }
  bool operator()(const SortItem& a, const SortItem& b) const { return Compare(a, b) < 0; }
};

Status SortGeneric(CommandContext& ctx, const ArgList& args, bool readonly, ReplyWriter* reply) {
  // ---- options (all parsed before the key is read, as Redis does) ----
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  std::optional<std::string_view> sortby;
  std::optional<std::string_view> storekey;
  std::vector<std::string_view> gets;
  const bool cluster = ctx.server.cluster != nullptr;
  for (size_t j = 2; j < args.size(); ++j) {
    const size_t left = args.size() - j - 1;
    std::string_view opt = args[j];
    if (EqualsIgnoreCase(opt, "asc")) {
      desc = false;
    } else if (EqualsIgnoreCase(opt, "desc")) {
      desc = true;
    } else if (EqualsIgnoreCase(opt, "alpha")) {
      alpha = true;
    } else if (EqualsIgnoreCase(opt, "limit") && left >= 2) {
      Status s = cmd::ParseIntArg(args[j + 1], &limit_start);
      if (s.ok()) s = cmd::ParseIntArg(args[j + 2], &limit_count);
      if (!s.ok()) return s;
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(opt, "store") && left >= 1) {
      storekey = args[++j];
    } else if (EqualsIgnoreCase(opt, "by") && left >= 1) {
      sortby = args[++j];
      // A pattern without '*' is constant: nothing to sort, no keys to read.
      if (CString(*sortby).find('*') == std::string_view::npos) {
        dontsort = true;
      } else if (cluster) {
        return Status::Err("BY option of SORT denied in Cluster mode.");
      }
    } else if (EqualsIgnoreCase(opt, "get") && left >= 1) {
      if (cluster) return Status::Err("GET option of SORT denied in Cluster mode.");
      gets.push_back(args[++j]);
    } else {
      return cmd::SyntaxError();
    }
  }

  // ---- the key to sort ----
  std::string_view key = args[1];
  const std::string_view both[] = {key, storekey.value_or(key)};
  auto guard = storekey ? ctx.locks().LockAll(both) : ctx.locks().Lock(key);
  Entry e;
  bool found;
  Status s = cmd::LookupRead(ctx, key, &e, &found);
  if (!s.ok()) return s;
  // A missing key sorts as an empty list.
  cmd::Collection c;
  c.key.assign(key.data(), key.size());
  c.qualified = ctx.QualifiedKey(key);
  c.type = ValueType::kList;
  if (found) {
    if (e.type != ValueType::kList && e.type != ValueType::kSet && e.type != ValueType::kZset) {
      return Status::WrongType();
    }
    c.exists = true;
    c.type = e.type;
    c.expire_at_ms = e.expire_at_ms;
    s = storage::DecodeMeta(e.type, e.payload, &c.meta);
    if (!s.ok()) return s;
  }
  // Sorting a set for STORE gives an order that does not depend on the set's layout.
  if (dontsort && c.type == ValueType::kSet && storekey) {
    dontsort = false;
    alpha = true;
    sortby.reset();
  }

  // ---- LIMIT, clamped to the collection (never sizes anything by itself) ----
  int64_t vectorlen = static_cast<int64_t>(c.meta.size);
  int64_t start = std::min(std::max(limit_start, int64_t{0}), vectorlen);
  limit_count = std::min(std::max(limit_count, int64_t{-1}), vectorlen);
  int64_t end = limit_count < 0 ? vectorlen - 1 : start + limit_count - 1;
  if (start >= vectorlen) {
    start = vectorlen - 1;
    end = vectorlen - 2;
  }
  if (end >= vectorlen) end = vectorlen - 1;

  // ---- load ----
  std::vector<SortItem> items;
  if (dontsort && (c.type == ValueType::kList || c.type == ValueType::kZset)) {
    // Only the range, in the collection's own order (reversed for DESC).
    if (end >= start && c.exists) {
      s = c.type == ValueType::kList ? LoadList(ctx, c, start, end - start + 1, desc, &items)
                                     : LoadZset(ctx, c, start, end - start + 1, desc, &items);
      if (!s.ok()) return s;
    }
    end -= start;
    start = 0;
  } else if (c.exists) {
    switch (c.type) {
      case ValueType::kList:
        s = LoadList(ctx, c, 0, vectorlen, false, &items);
        break;
      case ValueType::kSet:
        s = LoadSet(ctx, c, &items);
        if (s.ok() && dontsort) {
          std::vector<int64_t> values;
          if (IntsetOrder(ctx, items, &values)) {
            std::sort(values.begin(), values.end());
            for (size_t i = 0; i < items.size(); ++i) items[i].obj = std::to_string(values[i]);
          }
        }
        break;
      default:
        s = LoadZset(ctx, c, 0, -1, false, &items);
        break;
    }
    if (!s.ok()) return s;
  }
  if (static_cast<int64_t>(items.size()) < end + 1) {
    return Status::Corruption("SORT: collection smaller than its metadata");
  }

  // ---- weights, then sort ----
  bool conversion_error = false;
  if (!dontsort) {
    std::string byval;
    for (SortItem& item : items) {
      const std::string* value = &item.obj;
      if (sortby) {
        bool have;
        s = LookupByPattern(ctx, *sortby, item.obj, &byval, &have);
        if (!s.ok()) return s;
        if (!have) continue;
        value = &byval;
      }
      if (alpha) {
        if (sortby) item.cmp = *value;
      } else if (!SortScore(*value, &item.score)) {
        conversion_error = true;
      }
    }
    SortCompare compare{alpha, sortby.has_value(), storekey.has_value(), desc};
    std::stable_sort(items.begin(), items.end(), compare);
  }
  if (conversion_error) return Status::Err("One or more scores can't be converted into double");

  // ---- output ----
  const int64_t count = end - start + 1;
  const int64_t outputlen = gets.empty() ? count : static_cast<int64_t>(gets.size()) * count;
  std::string value;
  if (!storekey) {
    cmd::ReplyMark mark(reply);
    reply->ArrayHeader(static_cast<size_t>(outputlen));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& obj = items[static_cast<size_t>(j)].obj;
      if (gets.empty()) reply->Bulk(obj);
      for (std::string_view pattern : gets) {
        bool have;
        s = LookupByPattern(ctx, pattern, obj, &value, &have);
        if (!s.ok()) return mark.Rewind(s);
        if (have) {
          reply->Bulk(value);
        } else {
          reply->Null();
        }
      }
    }
    return Status::OK();
  }

  // STORE: the result becomes a list (a new incarnation, without expiry); an empty result
  // deletes the destination.
  cmd::Collection dst;
  dst.key.assign(storekey->data(), storekey->size());
  dst.qualified = ctx.QualifiedKey(*storekey);
  dst.type = ValueType::kList;
  dst.meta.version = storage::NewVersion();
  Entry old;
  s = cmd::LookupMeta(ctx, *storekey, &old, &dst.exists);
  if (!s.ok()) return s;
  storage::WriteBatch batch;
  auto push = [&](std::string_view item) {
    batch.PutElement(dst.Element(storage::EncodeIndex(dst.meta.tail++)), item);
    ++dst.meta.size;
  };
  for (int64_t j = start; j <= end; ++j) {
    const std::string& obj = items[static_cast<size_t>(j)].obj;
    if (gets.empty()) push(obj);
    for (std::string_view pattern : gets) {
      bool have;
      s = LookupByPattern(ctx, pattern, obj, &value, &have);
      if (!s.ok()) return s;
      push(have ? std::string_view(value) : std::string_view());
    }
  }
  s = cmd::Commit(ctx, dst, &batch);
  if (!s.ok()) return s;
  if (outputlen > 0) {
    cmd::MarkDirty(ctx, static_cast<uint64_t>(outputlen));
  } else if (dst.exists) {
    cmd::MarkDirty(ctx);
  }
  reply->Integer(outputlen);
  return Status::OK();
}

Status CmdSort(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SortGeneric(ctx, args, false, reply);
}

Status CmdSortRo(CommandContext& ctx, const ArgList& args, ReplyWriter* reply) {
  return SortGeneric(ctx, args, true, reply);
}

}  // namespace

void RegisterSortCommands(CommandTable& table) {
  constexpr std::string_view kComplexity =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  // Values from Redis 7.0.15's COMMAND INFO / COMMAND DOCS. Redis marks both "movablekeys": the
  // STORE key (and the BY/GET keys) are found by parsing, not by position.
  const cmd::CommandDef defs[] = {
      {"sort", -2, kCmdWrite | kCmdDenyOom, 1, 1, 1, CmdSort,
       "Sort the elements in a list, set or sorted set", "1.0.0", kComplexity},
      {"sort_ro", -2, kCmdReadOnly, 1, 1, 1, CmdSortRo,
       "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0",
       kComplexity},
  };
  cmd::RegisterAll(table, "generic", defs, std::size(defs));
}

}  // namespace ringkv
