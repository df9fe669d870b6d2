#pragma once
// The RocksDB-backed Storage (RocksDB 7.8, Debian).
//
// Durability follows `appendfsync` (SyncMode, changeable at runtime with SetSyncMode):
//   kAlways   every write is synced to the WAL (write + fdatasync) before the call returns;
//   kEverySec writes go to the WAL unsynced (they survive a process crash) and a background
//             thread syncs the WAL once a second when something was written;
//   kNo       writes go to the WAL unsynced and the OS decides when they reach the disk.
// The WAL is never disabled and never manually flushed, so even kNo survives kill -9.
//
// How expired data leaves the disk, without anyone running a manual compaction:
//   1. Flushes and compactions drop values already expired at that moment (ttl_filter.h).
//   2. The dead-data trigger: every `ttl_check_seconds` a background thread reads each live SST
//      file's expiry statistics and compacts the key range of every file whose estimated expired
//      fraction is >= 50% (for instance: at least half its entries carry an expiry and the
//      latest of them has passed). Such a file is therefore rewritten within ttl_check_seconds
//      (+ the compaction's own time) of the moment half of it became dead. Each such compaction
//      counts in StorageStats::expired_compactions.
//   3. Files with many deletions are marked for compaction as they are written (RocksDB's
//      CompactOnDeletionCollector), so deleted data goes the same way.
//   4. Backstop: every file is recompacted at least every 24 hours
//      (periodic_compaction_seconds), which bounds how long any expired value can stay on disk.
// DeleteAll writes one range deletion, then compacts the whole keyspace in the background.
//
// Thread-safety: as Storage. The object owns two background threads; the destructor stops them,
// syncs the WAL and closes the database.

#include <cstdint>
#include <memory>
#include <string>

#include "status.h"
#include "storage/storage.h"

namespace ringkv::storage {

struct RocksOptions {
  std::string path;  // the database directory (created with its parents if missing)
  uint64_t block_cache_bytes = 256 << 20;
  uint64_t write_buffer_bytes = 16 << 20;
  int bloom_bits_per_key = 10;  // <= 0: no bloom filter
  SyncMode sync = SyncMode::kEverySec;
  int ttl_check_seconds = 60;  // dead-data trigger period; <= 0 disables the trigger
  bool create_if_missing = true;
};

// Opens (or creates) the database at opts.path. On error *out is untouched and the status is
// IOError/Corruption/InvalidArgument with RocksDB's message.
Status OpenRocksStorage(const RocksOptions& opts, std::unique_ptr<Storage>* out);

// Test hooks. `storage` must come from OpenRocksStorage; otherwise they return 0 / an error.
//
// Entries a raw RocksDB iterator sees, ignoring expiry (deletion markers are not entries).
uint64_t RawEntryCountForTest(Storage* storage);
// Values (put entries, deletion markers excluded) physically present in the live SST files.
uint64_t SstValueCountForTest(Storage* storage);
// Element records (storage.h) physically present in the live SST files of the elements family.
uint64_t ElementSstValueCountForTest(Storage* storage);
// How many times the WAL was synced since open (RocksDB's wal.synced ticker).
uint64_t WalSyncCountForTest(Storage* storage);
// Flushes and compacts the whole keyspace now, waiting for the result.
Status CompactAllForTest(Storage* storage);

}  // namespace ringkv::storage
