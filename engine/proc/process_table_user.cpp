// user.name lookups through the table, so that field extractors reach the cache via Event::table.
#include "engine/proc/process_table.h"

namespace th {

std::string_view ProcessTable::user_name(uint32_t uid) const { return users_.name(uid); }

}  // namespace th
