// Data files compiled into the binary, so that `yiwang serve --demo` works from any directory:
// the working-day calendars of data/calendar/ and the demo catalog data/catalog/demo.json.
// The texts are exactly the files' bytes; parsing them is the caller's job (WorkingCalendar,
// ParseCatalogFile). An operator adds years with files of their own (`--calendar-dir`).
#pragma once

#include <span>
#include <string_view>

namespace yiwang {

struct BuiltinFile {
  std::string_view name;  // "2026.txt"
  std::string_view text;
};

// data/calendar/*.txt in name order.
std::span<const BuiltinFile> BuiltinCalendarFiles();
// data/catalog/demo.json.
std::string_view BuiltinDemoCatalog();

}  // namespace yiwang
