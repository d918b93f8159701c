// SPDX-License-Identifier: GPL-2.0
/* The module's store.c, built into the KUnit test module. */
#include "../../module/store.c"
