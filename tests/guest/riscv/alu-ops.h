/* alu-ops.h - defines one function per line of alu-list.h. */
#define R(fn, insn, g)      DEF_R(fn, insn)
#define U(fn, insn, g)      DEF_U(fn, insn)
#define I(fn, insn, imm, g) DEF_I(fn, insn, imm)
#include "alu-list.h"
#undef R
#undef U
#undef I
