// SPDX-License-Identifier: GPL-2.0
/* The module's report.c, built into the KUnit test module. */
#include "../../module/report.c"
