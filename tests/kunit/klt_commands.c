// SPDX-License-Identifier: GPL-2.0
/* The module's commands.c, built into the KUnit test module. */
#include "../../module/commands.c"
