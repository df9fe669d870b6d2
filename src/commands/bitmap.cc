// Bitmap commands (issue 10). Being written.

#include "command_table.h"

namespace ringkv {

void RegisterBitmapCommands(CommandTable& table) {}

}  // namespace ringkv
