// List commands (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterListCommands(CommandTable& table) {}

}  // namespace ringkv
