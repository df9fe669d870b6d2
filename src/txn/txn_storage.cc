// TxnStorage and RunTransaction: see txn_storage.h for the atomicity argument.
//
// The overlay keeps one pending state per key (the last write wins), ordered by ring position as
// the stored keys are, so SCAN and KEYS inside a transaction merge the two ordered sequences in
// one pass. A pending delete hides the stored key; after a flush (cleared_) every stored key is
// hidden and only pending writes are visible. Commit turns the pending states into one
// storage::WriteBatch (one op per key, so op order does not matter).

#include "txn/txn_storage.h"

#include <algorithm>

#include "cluster/key_hash.h"
#include "commands/command_table.h"
#include "commands/dispatch.h"
#include "storage/key_codec.h"
#include "txn/watch.h"

namespace ringkv {

using storage::Entry;
using storage::ScanItem;

bool RunsInsideMulti(const CommandSpec& spec) {
  const std::string& n = spec.name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

// ---------------------------------------------------------------------------------------------
// TxnStorage

bool TxnStorage::Live(const Pending& p, uint64_t now) {
  return !p.deleted && !storage::IsExpired(p.entry.expire_at_ms, now);
}

const TxnStorage::Pending* TxnStorage::Find(std::string_view key) const {
  if (pending_.empty()) return nullptr;
  auto it = pending_.find({storage::QualifiedKeyHash(key), std::string(key)});
  return it == pending_.end() ? nullptr : &it->second;
}

Status TxnStorage::Get(std::string_view key, Entry* out) {
  if (const Pending* p = Find(key)) {
    if (!Live(*p, storage::NowMs())) return Status::NotFound();
    *out = p->entry;
    return Status::OK();
  }
  if (cleared_) return Status::NotFound();
  return base_->Get(key, out);
}

Status TxnStorage::Exists(std::string_view key, Entry* meta_only) {
  if (const Pending* p = Find(key)) {
    if (!Live(*p, storage::NowMs())) return Status::NotFound();
    meta_only->type = p->entry.type;
    meta_only->expire_at_ms = p->entry.expire_at_ms;
    return Status::OK();
  }
  if (cleared_) return Status::NotFound();
  return base_->Exists(key, meta_only);
}

Status TxnStorage::Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
                       storage::ValueType type) {
  Pending& p = pending_[{storage::QualifiedKeyHash(key), std::string(key)}];
  p.deleted = false;
  p.entry.type = type;
  p.entry.expire_at_ms = expire_at_ms;
  p.entry.payload.assign(payload.data(), payload.size());
  return Status::OK();
}

Status TxnStorage::Delete(std::string_view key) {
  Pending& p = pending_[{storage::QualifiedKeyHash(key), std::string(key)}];
  p.deleted = true;
  p.entry = Entry();
  return Status::OK();
}

Status TxnStorage::Write(const storage::WriteBatch& batch) {
  for (const auto& op : batch.ops()) {
    if (op.element) {
      if (!op.range_end.empty()) {
        element_ranges_.emplace_back(op.key, op.range_end);
      } else if (op.is_delete) {
        elements_[op.key] = std::nullopt;
      } else {
        elements_[op.key] = op.payload;
      }
      continue;
    }
    Status s = op.is_delete ? Delete(op.key) : Put(op.key, op.payload, op.expire_at_ms, op.type);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status TxnStorage::GetElement(std::string_view element_key, std::string* value) {
  auto it = elements_.find(element_key);
  if (it != elements_.end()) {
    if (!it->second) return Status::NotFound();
    *value = *it->second;
    return Status::OK();
  }
  return base_->GetElement(element_key, value);
}

namespace {

// The base's element walk with the pending records of the same range laid over it, in the
// walk's direction: a pending value replaces or adds a record, a pending delete hides one.
class MergedElementIterator final : public storage::ElementIterator {
 public:
  using Overlay = std::vector<std::pair<std::string_view, const std::optional<std::string>*>>;
  MergedElementIterator(std::unique_ptr<storage::ElementIterator> base, Overlay overlay,
                        bool reverse)
      : base_(std::move(base)), overlay_(std::move(overlay)), reverse_(reverse) {
    Settle();
  }
  bool Valid() const override { return from_overlay_ || base_->Valid(); }
  void Next() override {
    if (from_overlay_) {
      if (base_->Valid() && base_->key() == overlay_[pos_].first) base_->Next();
      ++pos_;
    } else {
      base_->Next();
    }
    Settle();
  }
  std::string_view key() const override {
    return from_overlay_ ? overlay_[pos_].first : base_->key();
  }
  std::string_view value() const override {
    return from_overlay_ ? std::string_view(**overlay_[pos_].second) : base_->value();
  }
  Status status() const override { return base_->status(); }

 private:
  // True if overlay key a comes before base key b in the walk's direction.
  bool Before(std::string_view a, std::string_view b) const { return reverse_ ? a > b : a < b; }

  // Positions on the next visible record: the overlay's if it comes first or ties (skipping
  // pending deletes and the base records they hide), else the base's.
  void Settle() {
    from_overlay_ = false;
    while (pos_ < overlay_.size()) {
      std::string_view ok = overlay_[pos_].first;
      if (base_->Valid() && Before(base_->key(), ok)) return;  // the base's record is next
      if (overlay_[pos_].second->has_value()) {
        from_overlay_ = true;
        return;
      }
      if (base_->Valid() && base_->key() == ok) base_->Next();  // hidden by a pending delete
      ++pos_;
    }
  }

  std::unique_ptr<storage::ElementIterator> base_;
  Overlay overlay_;
  size_t pos_ = 0;
  bool reverse_;
  bool from_overlay_ = false;
};

}  // namespace

std::unique_ptr<storage::ElementIterator> TxnStorage::NewElementIterator(std::string_view lower,
                                                                         std::string_view upper,
                                                                         bool reverse) {
  std::unique_ptr<storage::ElementIterator> base = base_->NewElementIterator(lower, upper, reverse);
  if (elements_.empty()) return base;
  MergedElementIterator::Overlay overlay;
  auto it = elements_.lower_bound(lower);
  auto stop = upper.empty() ? elements_.end() : elements_.lower_bound(upper);
  for (; it != stop; ++it) overlay.emplace_back(it->first, &it->second);
  if (overlay.empty()) return base;
  if (reverse) std::reverse(overlay.begin(), overlay.end());
  return std::make_unique<MergedElementIterator>(std::move(base), std::move(overlay), reverse);
}

Status TxnStorage::Scan(uint64_t cursor, size_t count, std::vector<ScanItem>* out,
                        uint64_t* next_cursor, uint64_t end) {
  const uint64_t now = storage::NowMs();
  if (end != 0 && end <= cursor) {
    *next_cursor = 0;
    return Status::OK();
  }
  auto first = pending_.lower_bound({cursor, std::string()});
  auto in_range = [end](Map::const_iterator it) { return end == 0 || it->first.first < end; };

  if (cleared_) {
    // Only pending writes exist: Storage::Scan's walk over them (count examined entries, then
    // finish the group at the last ring position).
    if (count == 0) count = 1;
    size_t examined = 0;
    uint64_t last = 0;
    for (auto it = first; it != pending_.end() && in_range(it); ++it) {
      if (examined >= count && it->first.first != last) {
        *next_cursor = it->first.first;
        return Status::OK();
      }
      if (Live(it->second, now)) {
        out->push_back({it->first.second, it->second.entry.type, it->second.entry.expire_at_ms});
      }
      last = it->first.first;
      ++examined;
    }
    *next_cursor = 0;
    return Status::OK();
  }

  // The stored keys decide how far this call goes; the pending states of that stretch of the ring
  // replace or hide the stored keys and add the new ones, in ring order.
  std::vector<ScanItem> stored;
  uint64_t next = 0;
  Status s = base_->Scan(cursor, count, &stored, &next, end);
  if (!s.ok()) return s;
  const uint64_t stop = next != 0 ? next : end;  // 0: to the end of the ring
  auto it = first;
  auto pending_in_stretch = [&]() {
    return it != pending_.end() && in_range(it) && (stop == 0 || it->first.first < stop);
  };
  for (ScanItem& item : stored) {
    std::pair<uint64_t, std::string> pos{storage::QualifiedKeyHash(item.key), item.key};
    for (; pending_in_stretch() && it->first < pos; ++it) {
      if (Live(it->second, now)) {
        out->push_back({it->first.second, it->second.entry.type, it->second.entry.expire_at_ms});
      }
    }
    if (pending_in_stretch() && it->first == pos) {
      if (Live(it->second, now)) {
        out->push_back({it->first.second, it->second.entry.type, it->second.entry.expire_at_ms});
      }
      ++it;
      continue;
    }
    out->push_back(std::move(item));
  }
  for (; pending_in_stretch(); ++it) {
    if (Live(it->second, now)) {
      out->push_back({it->first.second, it->second.entry.type, it->second.entry.expire_at_ms});
    }
  }
  *next_cursor = next;
  return Status::OK();
}

Status TxnStorage::CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) {
  const uint64_t now = storage::NowMs();
  uint64_t live = 0, with_expiry = 0;
  if (!cleared_) {
    Status s = base_->CountKeys(&live, &with_expiry);
    if (!s.ok()) return s;
    // Take out the stored state of every key the transaction wrote...
    for (const auto& [pos, p] : pending_) {
      Entry meta;
      s = base_->Exists(pos.second, &meta);
      if (s.IsNotFound()) continue;
      if (!s.ok()) return s;
      --live;
      if (meta.expire_at_ms != 0) --with_expiry;
    }
  }
  // ...and put in its pending state.
  for (const auto& [pos, p] : pending_) {
    if (!Live(p, now)) continue;
    ++live;
    if (p.entry.expire_at_ms != 0) ++with_expiry;
  }
  *keys = live;
  *keys_with_expiry = with_expiry;
  return Status::OK();
}

Status TxnStorage::DeleteAll() {
  cleared_ = true;
  pending_.clear();
  return Status::OK();
}

Status TxnStorage::Commit() {
  if (cleared_) {
    Status s = base_->DeleteAll();
    if (!s.ok()) return s;
  }
  if (pending_.empty() && elements_.empty() && element_ranges_.empty()) return Status::OK();
  storage::WriteBatch batch;
  for (const auto& [begin, end] : element_ranges_) batch.DeleteElementRange(begin, end);
  for (const auto& [key, value] : elements_) {
    if (value) {
      batch.PutElement(key, *value);
    } else {
      batch.DeleteElement(key);
    }
  }
  for (const auto& [pos, p] : pending_) {
    if (p.deleted) {
      // After a flush nothing is stored: a delete has nothing left to remove.
      if (!cleared_) batch.Delete(pos.second);
    } else {
      batch.Put(pos.second, p.entry.payload, p.entry.expire_at_ms, p.entry.type);
    }
  }
  return base_->Write(batch);
}

// ---------------------------------------------------------------------------------------------
// RunTransaction

Status RunTransaction(ServerState& server, ClientState& client,
                      const std::vector<QueuedCommand>& queue, const WatchSet* watches,
                      resp::ReplyWriter* reply) {
  // Lock: the stripes of every key the commands name and of every watched key, in stripe order;
  // every stripe when a whole-keyspace command is queued. Handlers' own locks then nest.
  bool everything = false;
  std::vector<std::string_view> keys;
  std::vector<int> positions;
  for (const QueuedCommand& q : queue) {
    if (q.spec->flags & kCmdKeyspace) everything = true;
    q.spec->KeyPositionsOf(q.argv, &positions);
    for (int p : positions) keys.push_back(q.argv[static_cast<size_t>(p)]);
  }
  if (watches != nullptr) {
    for (std::string_view k : watches->Keys()) keys.push_back(k);
  }
  KeyLocks::Guard guard = everything     ? server.locks.LockEverything()
                          : keys.empty() ? KeyLocks::Guard()
                                         : server.locks.LockAll(keys);

  // One clock for the whole transaction, as Redis freezes it during EXEC.
  const uint64_t now = storage::NowMs();
  if (watches != nullptr && !watches->Unchanged(now)) {
    reply->NullArray();
    return Status::OK();
  }

  // Run every command through its own handler against the overlay. Replies go to a buffer, so
  // that a failed commit can answer one error instead.
  TxnStorage overlay(server.storage);
  std::string body;
  resp::ReplyWriter w(&body, client.proto);
  w.ArrayHeader(queue.size());
  ArgList args;
  for (const QueuedCommand& q : queue) {
    args.assign(q.argv.begin(), q.argv.end());
    Execute(server, client, q.spec, args, &w, &overlay, now);
    w.SetProto(client.proto);  // HELLO inside the transaction
  }

  Status s = overlay.Commit();
  if (!s.ok()) return s;
  reply->Raw(body);
  return Status::OK();
}

}  // namespace ringkv
