// `yiwang export`: the event log as NDJSON, one stored event per line, byte-identical to what the
// store holds and hashes (so `sha256sum` of a line's bytes is reproducible elsewhere).
#include <cstdio>
#include <memory>

#include "eventstore/event_store.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/setup.h"

namespace yiwang::tools {
namespace {

constexpr char kUsage[] =
    "usage: yiwang export [flags]\n"
    "\n"
    "  --data DIR        data directory (default ./yiwang-data); its log, DIR/log, is opened\n"
    "                    read-only: a running server is not disturbed, and the export shows\n"
    "                    the log as it was when the export started\n"
    "  --from N          first position (default 1)\n"
    "  --to N            last position, inclusive (default: the head)\n"
    "  --stream ID       only events of this stream\n"
    "  --type TYPE       only events of this type\n"
    "  --out FILE        write to FILE instead of stdout\n";

}  // namespace

int RunExport(int argc, char** argv) {
  Result<Flags> parsed =
      Flags::Parse(argc, argv, {"data", "from", "to", "stream", "type", "out"}, {"help"});
  if (!parsed.ok()) return UsageError("export", parsed.status().message(), kUsage);
  const Flags& flags = *parsed;
  if (flags.Has("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  Result<std::pair<uint64_t, uint64_t>> range = flags.GetPositionRange();
  if (!range.ok()) return UsageError("export", range.status().message(), kUsage);

  EventStoreOptions options;
  options.path = LogPath(flags.Get("data", "./yiwang-data"));
  options.read_only = true;
  Result<std::unique_ptr<EventStore>> store = EventStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "yiwang export: %s\n", store.status().ToString().c_str());
    return 1;
  }
  FILE* out = stdout;
  const std::string out_path = flags.Get("out");
  if (!out_path.empty()) {
    out = std::fopen(out_path.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "yiwang export: cannot open %s for writing\n", out_path.c_str());
      return 1;
    }
  }
  const std::string stream = flags.Get("stream");
  const std::string type = flags.Get("type");
  uint64_t written = 0;
  Status status = (*store)->ForEach(
      range->first, range->second, [&](uint64_t, std::string_view bytes) -> Status {
        if (!stream.empty() || !type.empty()) {
          Result<EventEnvelope> event = DecodeEnvelope(bytes);
          if (!event.ok()) return event.status();
          if (!stream.empty() && event->stream != stream) return Status::Ok();
          if (!type.empty() && event->type != type) return Status::Ok();
        }
        if (std::fwrite(bytes.data(), 1, bytes.size(), out) != bytes.size() ||
            std::fputc('\n', out) == EOF) {
          return Unavailable("write failed");
        }
        ++written;
        return Status::Ok();
      });
  if (std::fflush(out) != 0 && status.ok()) status = Unavailable("write failed");
  if (out != stdout) std::fclose(out);
  if (!status.ok()) {
    std::fprintf(stderr, "yiwang export: %s\n", status.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "yiwang export: %llu events\n", static_cast<unsigned long long>(written));
  return 0;
}

}  // namespace yiwang::tools
