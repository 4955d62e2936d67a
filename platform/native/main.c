/* main.c - the native minimu program: everything happens in minimu_main() (src/system/cli.c). */
#include "system/cli.h"

int main(int argc, char **argv)
{
    return minimu_main(argc, argv);
}
