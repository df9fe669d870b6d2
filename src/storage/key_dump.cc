// DumpKey / LoadKey: see key_dump.h.

#include "storage/key_dump.h"

#include <memory>

#include "storage/collections.h"

namespace ringkv::storage {

Status DumpKey(DbView& view, std::string_view key, KeyDump* out) {
  *out = KeyDump();
  out->qualified_key = view.Qualify(key);
  Entry e;
  Status s = view.Get(key, &e);
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return s;
  out->exists = true;
  out->type = e.type;
  out->expire_at_ms = e.expire_at_ms;
  out->payload = std::move(e.payload);
  if (!IsCollection(out->type)) return Status::OK();
  CollectionMeta meta;
  s = DecodeMeta(out->type, out->payload, &meta);
  if (!s.ok()) return s;
  std::string prefix = ElementPrefix(out->qualified_key, meta.version);
  std::unique_ptr<ElementIterator> it = view.NewElementIterator(prefix, PrefixEnd(prefix), false);
  for (; it->Valid(); it->Next()) out->elements.emplace_back(it->key(), it->value());
  return it->status();
}

Status LoadKey(Storage* store, const KeyDump& dump) {
  if (!dump.exists) return Status::OK();
  if (dump.qualified_key.empty()) return Status::InvalidArgument("key dump without a key");
  WriteBatch batch;
  batch.Put(dump.qualified_key, dump.payload, dump.expire_at_ms, dump.type);
  for (const auto& [k, v] : dump.elements) batch.PutElement(k, v);
  return store->Write(batch);
}

}  // namespace ringkv::storage
