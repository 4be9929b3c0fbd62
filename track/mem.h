/*
 * mem.h - the one writer of target memory (mem.c), for the PEP 768 request.
 */
#ifndef AIO_TRACK_MEM_H
#define AIO_TRACK_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Write len bytes at addr of process pid (process_vm_writev, else /proc/PID/mem). */
int track_mem_write(int pid, uint64_t addr, const void *buf, size_t len);

#endif
