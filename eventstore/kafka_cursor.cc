// The Kafka cursor in meta: read and advanced by the Kafka publisher
// (eventstore/kafka_publisher.h).
#include "eventstore/event_store.h"
#include "eventstore/internal/store_impl.h"

namespace yiwang {

using namespace eventstore_internal;  // NOLINT(google-build-using-namespace): internal module

Result<uint64_t> EventStore::KafkaCursor() const {
  std::string value;
  const rocksdb::Status status =
      impl_->db->Get(rocksdb::ReadOptions(), impl_->meta, kMetaKafkaCursorKey, &value);
  if (status.IsNotFound()) return uint64_t{0};
  if (!status.ok()) return FromRocks(status, "reading the Kafka cursor");
  if (value.size() != 8) return DataLoss("the Kafka cursor in meta is malformed");
  return GetBigEndian64(value);
}

Status EventStore::SetKafkaCursor(uint64_t position) {
  if (impl_->options.read_only) return FailedPrecondition("the event store is open read-only");
  if (position > HeadPosition()) {
    return InvalidArgument("Kafka cursor " + std::to_string(position) + " is beyond the head " +
                           std::to_string(HeadPosition()));
  }
  rocksdb::WriteOptions write;  // WAL, no sync: see the header
  return FromRocks(impl_->db->Put(write, impl_->meta, kMetaKafkaCursorKey, EventKey(position)),
                   "saving the Kafka cursor");
}

}  // namespace yiwang
