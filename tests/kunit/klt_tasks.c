// SPDX-License-Identifier: GPL-2.0
/* The task sleep record, built into the test module. */
#include "../../module/tasks.c"
