/*
 * list.h - small intrusive lists with QEMU's names (QLIST, QSLIST, QSIMPLEQ).
 *
 * Only what minimu uses.  QSLIST_INSERT_HEAD_ATOMIC / QSLIST_MOVE_ATOMIC are
 * the lock-free producer/consumer pair behind bottom halves: any thread may
 * push, one thread takes the whole list at once.
 */
#ifndef MINIMU_UTIL_LIST_H
#define MINIMU_UTIL_LIST_H

#include "util/atomic.h"
#include <stddef.h>

/* Doubly linked list with O(1) removal. */
#define QLIST_HEAD(name, type) \
    struct name {              \
        struct type *lh_first; \
    }
#define QLIST_ENTRY(type)      \
    struct {                   \
        struct type *le_next;  \
        struct type **le_prev; \
    }
#define QLIST_INIT(head)              ((head)->lh_first = NULL)
#define QLIST_EMPTY(head)             ((head)->lh_first == NULL)
#define QLIST_FIRST(head)             ((head)->lh_first)
#define QLIST_NEXT(elm, field)        ((elm)->field.le_next)
#define QLIST_IS_INSERTED(elm, field) ((elm)->field.le_prev != NULL)
#define QLIST_INSERT_HEAD(head, elm, field)                          \
    do {                                                             \
        if (((elm)->field.le_next = (head)->lh_first) != NULL)       \
            (head)->lh_first->field.le_prev = &(elm)->field.le_next; \
        (head)->lh_first = (elm);                                    \
        (elm)->field.le_prev = &(head)->lh_first;                    \
    } while (0)
#define QLIST_REMOVE(elm, field)                                        \
    do {                                                                \
        if ((elm)->field.le_next != NULL)                               \
            (elm)->field.le_next->field.le_prev = (elm)->field.le_prev; \
        *(elm)->field.le_prev = (elm)->field.le_next;                   \
        (elm)->field.le_next = NULL;                                    \
        (elm)->field.le_prev = NULL;                                    \
    } while (0)
#define QLIST_FOREACH(var, head, field) \
    for ((var) = (head)->lh_first; (var); (var) = (var)->field.le_next)
#define QLIST_FOREACH_SAFE(var, head, field, next_var)                              \
    for ((var) = (head)->lh_first; (var) && ((next_var) = (var)->field.le_next, 1); \
         (var) = (next_var))

/* Singly linked list; the _ATOMIC variants are safe against concurrent pushes. */
#define QSLIST_HEAD(name, type) \
    struct name {               \
        struct type *slh_first; \
    }
#define QSLIST_ENTRY(type)     \
    struct {                   \
        struct type *sle_next; \
    }
#define QSLIST_INIT(head)       ((head)->slh_first = NULL)
#define QSLIST_EMPTY(head)      ((head)->slh_first == NULL)
#define QSLIST_FIRST(head)      ((head)->slh_first)
#define QSLIST_NEXT(elm, field) ((elm)->field.sle_next)
#define QSLIST_INSERT_HEAD(head, elm, field)       \
    do {                                           \
        (elm)->field.sle_next = (head)->slh_first; \
        (head)->slh_first = (elm);                 \
    } while (0)
#define QSLIST_REMOVE_HEAD(head, field)                       \
    do {                                                      \
        __typeof__((head)->slh_first) _e = (head)->slh_first; \
        (head)->slh_first = _e->field.sle_next;               \
        _e->field.sle_next = NULL;                            \
    } while (0)
#define QSLIST_INSERT_HEAD_ATOMIC(head, elm, field)                                    \
    do {                                                                               \
        __typeof__(elm) _old = qatomic_read(&(head)->slh_first);                       \
        do {                                                                           \
            (elm)->field.sle_next = _old;                                              \
        } while (!__atomic_compare_exchange_n(&(head)->slh_first, &_old, (elm), false, \
                                              __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));    \
    } while (0)
/* Take every element of @src into @dest (which must be empty) in one step. */
#define QSLIST_MOVE_ATOMIC(dest, src) ((dest)->slh_first = qatomic_xchg(&(src)->slh_first, NULL))
#define QSLIST_FOREACH(var, head, field) \
    for ((var) = (head)->slh_first; (var); (var) = (var)->field.sle_next)

/* Simple queue: singly linked with a tail pointer, FIFO order. */
#define QSIMPLEQ_HEAD(name, type) \
    struct name {                 \
        struct type *sqh_first;   \
        struct type **sqh_last;   \
    }
#define QSIMPLEQ_HEAD_INITIALIZER(head) \
    {                                   \
        NULL, &(head).sqh_first         \
    }
#define QSIMPLEQ_ENTRY(type)   \
    struct {                   \
        struct type *sqe_next; \
    }
#define QSIMPLEQ_INIT(head)                    \
    do {                                       \
        (head)->sqh_first = NULL;              \
        (head)->sqh_last = &(head)->sqh_first; \
    } while (0)
#define QSIMPLEQ_EMPTY(head)      ((head)->sqh_first == NULL)
#define QSIMPLEQ_FIRST(head)      ((head)->sqh_first)
#define QSIMPLEQ_NEXT(elm, field) ((elm)->field.sqe_next)
#define QSIMPLEQ_INSERT_TAIL(head, elm, field)     \
    do {                                           \
        (elm)->field.sqe_next = NULL;              \
        *(head)->sqh_last = (elm);                 \
        (head)->sqh_last = &(elm)->field.sqe_next; \
    } while (0)
#define QSIMPLEQ_INSERT_HEAD(head, elm, field)                   \
    do {                                                         \
        if (((elm)->field.sqe_next = (head)->sqh_first) == NULL) \
            (head)->sqh_last = &(elm)->field.sqe_next;           \
        (head)->sqh_first = (elm);                               \
    } while (0)
#define QSIMPLEQ_REMOVE_HEAD(head, field)                                    \
    do {                                                                     \
        if (((head)->sqh_first = (head)->sqh_first->field.sqe_next) == NULL) \
            (head)->sqh_last = &(head)->sqh_first;                           \
    } while (0)
/* Append all of @src to @dest and leave @src empty. */
#define QSIMPLEQ_CONCAT(dest, src)                \
    do {                                          \
        if (!QSIMPLEQ_EMPTY(src)) {               \
            *(dest)->sqh_last = (src)->sqh_first; \
            (dest)->sqh_last = (src)->sqh_last;   \
            QSIMPLEQ_INIT(src);                   \
        }                                         \
    } while (0)
#define QSIMPLEQ_FOREACH(var, head, field) \
    for ((var) = (head)->sqh_first; (var); (var) = (var)->field.sqe_next)

#endif
