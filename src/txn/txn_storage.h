#pragma once
// Running a MULTI/EXEC transaction atomically (issue 6): the TxnStorage overlay, and
// RunTransaction, the one engine behind EXEC on a single node and RINGKV.EXEC on a cluster owner.
//
// Atomicity: RunTransaction locks the stripes of every key of every queued command (and of every
// watched key) before the first command runs, so no locked command of another client (every
// write, every read-modify-write) runs in between. The commands run through their own handlers
// against a TxnStorage, which answers reads from the transaction's own earlier writes and keeps
// every write in memory; at the end all writes reach the real Storage as one Storage::Write (one
// RocksDB WriteBatch: one WAL write, synced once under appendfsync always). A reader that takes
// no lock (GET) therefore sees all of a transaction's writes or none.
//
// Whole-keyspace commands inside a transaction (single node; a cluster refuses them when they are
// queued, since they span every node): KEYS, SCAN, DBSIZE, RANDOMKEY see the transaction's own
// writes merged with the stored keys; FLUSHDB/FLUSHALL empty the overlay's view. A transaction
// holding any of them locks every stripe, so it is serialized with every locked command. Known
// limit: a transaction that flushes commits as Storage::DeleteAll then one Write of its later
// writes (two storage calls; storage::WriteBatch has no range delete), so a reader that takes no
// lock may see the emptied keyspace for that moment.
//
// Thread-safety: a TxnStorage belongs to one EXEC on one thread. RunTransaction is thread-safe
// as the ServerState it uses.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/client_state.h"
#include "resp/writer.h"
#include "server_state.h"
#include "status.h"
#include "storage/storage.h"

namespace ringkv {

class WatchSet;

// Redis 7.0's texts (multi.c, server.c).
namespace txn_errors {
inline constexpr std::string_view kNested = "MULTI calls can not be nested";
inline constexpr std::string_view kExecWithoutMulti = "EXEC without MULTI";
inline constexpr std::string_view kDiscardWithoutMulti = "DISCARD without MULTI";
inline constexpr std::string_view kWatchInsideMulti = "WATCH inside MULTI is not allowed";
inline constexpr std::string_view kNotAllowed = "Command not allowed inside a transaction";
// After -EXECABORT.
inline constexpr std::string_view kAbortPrevious =
    "Transaction discarded because of previous errors.";
inline constexpr std::string_view kAbortBecauseOf = "Transaction discarded because of: ";
}  // namespace txn_errors

// True for the commands that run at once even inside MULTI (Redis's processCommand list).
bool RunsInsideMulti(const CommandSpec& spec);

// A Storage over `base` that keeps the transaction's writes in memory until Commit.
// Reads see those writes; TTLs are checked against storage::NowMs() as the backends do.
class TxnStorage final : public storage::Storage {
 public:
  explicit TxnStorage(storage::Storage* base) : base_(base) {}

  Status Get(std::string_view key, storage::Entry* out) override;
  Status Exists(std::string_view key, storage::Entry* meta_only) override;
  Status Put(std::string_view key, std::string_view payload, uint64_t expire_at_ms,
             storage::ValueType type = storage::ValueType::kString) override;
  Status Delete(std::string_view key) override;
  Status Write(const storage::WriteBatch& batch) override;
  // Element records: the pending ones merged over the base's (a pending delete hides).
  Status GetElement(std::string_view element_key, std::string* value) override;
  std::unique_ptr<storage::ElementIterator> NewElementIterator(std::string_view lower,
                                                               std::string_view upper,
                                                               bool reverse) override;
  Status Scan(uint64_t cursor, size_t count, std::vector<storage::ScanItem>* out,
              uint64_t* next_cursor, uint64_t end) override;
  Status CountKeys(uint64_t* keys, uint64_t* keys_with_expiry) override;
  // Forgets the pending writes and hides every stored key; Commit starts with base->DeleteAll().
  Status DeleteAll() override;
  Status Flush() override { return base_->Flush(); }
  void SetSyncMode(storage::SyncMode mode) override { base_->SetSyncMode(mode); }
  storage::StorageStats Stats() override { return base_->Stats(); }

  // Applies the pending writes to the base storage: one Write (after one DeleteAll if the
  // transaction flushed). Call once, with the transaction's locks held.
  Status Commit();
  size_t pending() const { return pending_.size() + elements_.size() + element_ranges_.size(); }
  // Forgets every pending write (after Commit, to reuse the overlay: group_commit.h).
  void Clear() {
    pending_.clear();
    elements_.clear();
    element_ranges_.clear();
    cleared_ = false;
  }

 private:
  struct Pending {
    bool deleted = false;
    storage::Entry entry;  // when !deleted
  };
  // Ring order (hash, then key bytes), as the stored keys are ordered.
  using Map = std::map<std::pair<uint64_t, std::string>, Pending>;

  const Pending* Find(std::string_view key) const;
  // A pending entry that is a live value at `now`.
  static bool Live(const Pending& p, uint64_t now);

  storage::Storage* base_;
  bool cleared_ = false;  // DeleteAll was called
  Map pending_;
  // Pending element records: element key -> value, or nullopt for a delete. Elements of a
  // flushed transaction's hidden keys need no hiding: no metadata reaches them (storage.h).
  std::map<std::string, std::optional<std::string>, std::less<>> elements_;
  // Element range deletes of dead incarnations (storage.h: nobody reads them), applied first at
  // Commit so that records written in the same batch survive.
  std::vector<std::pair<std::string, std::string>> element_ranges_;
};

// Runs `queue` as one transaction (see the note at the top). When `watches` is given and a
// watched key changed, nothing runs and the reply is the null array (RESP2 "*-1", RESP3 "_").
// Otherwise the reply is an array of every command's reply, errors in place (no rollback, as
// Redis). Commands run with `client`'s protocol (HELLO inside the transaction switches it for
// the replies after it, as Redis). On a storage failure at commit nothing is written to `reply`
// and the error is returned (nothing of the transaction was applied, or for a flushing
// transaction possibly only the flush).
Status RunTransaction(ServerState& server, ClientState& client,
                      const std::vector<QueuedCommand>& queue, const WatchSet* watches,
                      resp::ReplyWriter* reply);

}  // namespace ringkv
