// Zset commands (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterZsetCommands(CommandTable& table) {}

}  // namespace ringkv
