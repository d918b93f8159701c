// SPDX-License-Identifier: GPL-2.0
/* The SLUB layout code, built into the test module. */
#include "../../module/slub.c"
