// Hash commands (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterHashCommands(CommandTable& table) {}

}  // namespace ringkv
