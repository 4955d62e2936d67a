/*
 * loop-demo.h - a guided run of the event loop for tutorials
 * (`minimu --loop-demo`): a toy device written by a vCPU thread, a timer in
 * the main loop, an ioeventfd-style doorbell served by an IOThread, a
 * coroutine waiting for the thread pool, and an interrupt raised back in the
 * main loop; then the trace, one line per event, naming the thread it ran in.
 */
#ifndef MINIMU_SYSTEM_LOOP_DEMO_H
#define MINIMU_SYSTEM_LOOP_DEMO_H

#include <stdio.h>

/* Run the demo in the calling thread (it becomes the main loop thread) and
 * print the trace to @out.  Returns 0 on success, 1 if set-up failed. */
int loop_demo_run(FILE *out);

#endif
