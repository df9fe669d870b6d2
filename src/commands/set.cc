// Set commands (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterSetCommands(CommandTable& table) {}

}  // namespace ringkv
