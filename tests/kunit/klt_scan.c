// SPDX-License-Identifier: GPL-2.0
/* The module's scan.c, built into the KUnit test module. */
#include "../../module/scan.c"
