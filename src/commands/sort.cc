// SORT and SORT_RO (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterSortCommands(CommandTable& table) {}

}  // namespace ringkv
