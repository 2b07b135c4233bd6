#ifndef MINDVIS_LUASHIM_H
#define MINDVIS_LUASHIM_H
/*
 * The C half of the Lua <-> Swift boundary (DESIGN.md §2).
 *
 * Lua raises errors with longjmp, which must never cross a Swift frame. Everything here exists so that Swift
 * only ever calls Lua API functions that cannot raise (or can only fail on out-of-memory, which the allocator
 * below turns into an abort), while every raising operation happens in a C frame under a protected call.
 */
#include <stddef.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/* ---- Macros and variadic functions Swift cannot import, as inline functions ---- */
static inline int mv_registry_index(void) { return LUA_REGISTRYINDEX; }
static inline int mv_upvalue_index(int i) { return lua_upvalueindex(i); }
static inline int mv_multret(void) { return LUA_MULTRET; }
static inline void *mv_extraspace(lua_State *L) { return lua_getextraspace(L); }
static inline int mv_pcall(lua_State *L, int nargs, int nresults, int msgh) { return lua_pcall(L, nargs, nresults, msgh); }
/* In 5.4 lua_settop may run __close handlers of to-be-closed slots. MindLua never marks such slots, so these
   stack adjustments cannot raise when called from Swift. */
static inline void mv_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }
static inline void mv_insert(lua_State *L, int idx) { lua_rotate(L, idx, 1); }
static inline void mv_remove(lua_State *L, int idx) { lua_rotate(L, idx, -1); lua_settop(L, -2); }
static inline void mv_replace(lua_State *L, int idx) { lua_copy(L, -1, idx); lua_settop(L, -2); }
static inline void mv_newtable(lua_State *L) { lua_createtable(L, 0, 0); }
static inline void mv_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcclosure(L, f, 0); }
static inline const char *mv_tolstring(lua_State *L, int idx, size_t *len) { return lua_tolstring(L, idx, len); }
/* lua_gc is variadic. A non-zero STEP adds `kilobytes` KB of debt, pacing the collector to host allocations. */
static inline int mv_gc_step(lua_State *L, int kilobytes) { return lua_gc(L, LUA_GCSTEP, kilobytes); }
static inline int mv_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
static inline size_t mv_gc_bytes(lua_State *L) {
    return (size_t)lua_gc(L, LUA_GCCOUNT) * 1024u + (size_t)lua_gc(L, LUA_GCCOUNTB);
}
/* Whether the userdata at idx has the shape of a MindLua block (one pointer, one user value): the debug library can
   give any userdata a MindLua metatable, and reading a file handle's bytes as a Swift object would crash. */
static inline int mv_is_object_block(lua_State *L, int idx) {
    if (lua_rawlen(L, idx) != sizeof(void *)) return 0;
    int has_value = lua_getiuservalue(L, idx, 1) != LUA_TNONE;
    lua_settop(L, -2);
    return has_value;
}
/* The Swift object pointer stored in a MindLua userdata block (NULL once released). */
static inline void *mv_userdata_object(lua_State *L, int idx) {
    void **slot = (void **)lua_touserdata(L, idx);
    return slot ? *slot : NULL;
}

/* ---- State ---- */
/* A new state whose allocator aborts with a message instead of failing (so memory errors never longjmp),
   with a panic handler that prints and aborts, and lua.c-style warnings (off until `warn("@on")`). */
lua_State *mv_newstate(void);
/* luaL_openlibs under lua_pcall. Returns the pcall status; on failure the error value is on the stack. */
int mv_openlibs(lua_State *L);
/* "Lua 5.4.x" of the headers this was compiled against. */
const char *mv_lua_release(void);

/* ---- Errors ---- */
/* Pushes the message handler used for every protected call made by MindLua. It leaves the error value as raised
   (Lua code catching errors inside the call must see its own value) and records luaL_traceback from the raising
   function beside it, for mv_take_traceback. */
void mv_push_message_handler(lua_State *L);
/* Pushes the traceback the message handler recorded for the error value at idx (nil if it recorded none for that
   value) and forgets it. */
void mv_take_traceback(lua_State *L, int idx);

/* ---- Swift functions exposed to Lua ---- */
/* Return values of a dispatched Swift function besides a result count >= 0. */
#define MV_RAISE_WITH_POSITION (-1) /* error message on top; prefix the Lua caller's "chunk:line: ", then raise */
#define MV_RAISE_AS_IS (-2)         /* error value on top; raise it unchanged (re-raising a caught Lua error) */
typedef int (*mv_dispatch_fn)(lua_State *L, void *box);
typedef void (*mv_release_fn)(void *retained);
/* Registers the two Swift entry points (idempotent): the dispatcher that runs a boxed Swift closure and the
   function that balances an Unmanaged.passRetained. */
void mv_install_swift_callbacks(mv_dispatch_fn dispatch, mv_release_fn release);
/* Pushes a Lua function that calls the Swift closure box `retained` (ownership passes to Lua: released by
   __gc of the upvalue that holds it). The C trampoline raises after the Swift frame has returned. */
void mv_push_swift_function(lua_State *L, void *retained);
/* The Swift closure box behind the Lua function at idx (unretained), or NULL if it is not a MindLua Swift function:
   how help() finds the name, and so the documentation, of a bound function value. */
void *mv_swift_function_box(lua_State *L, int idx);

/* ---- Userdata owning Swift objects ---- */
/* Marks the table at idx as a MindLua userdata metatable and sets __gc and __close to the releasing function. */
void mv_prepare_metatable(lua_State *L, int idx);
/* Pushes a full userdata (8 bytes + 2 user values: Lua-side fields, owner mark) holding `retained`, with the
   metatable at registry[ref]. */
void mv_push_object(lua_State *L, void *retained, int metatable_ref);
/* Marks the userdata at idx as a part of a module (a parameter, buffer or submodule cached as its field): `free` and
   `<close>` leave it alone, so the module's field never turns into a freed handle while the module lives. */
void mv_mark_module_part(lua_State *L, int idx);
/* lua_CFunction for a `free` method: releases the Swift object now; later use raises "attempt to use a freed".
   Refused for a module's part. */
int mv_free_userdata(lua_State *L);
/* Pops a methods table and a getters table (pushed in that order), pushes the __index closure: methods (raw), then getter(self),
   then the object's Lua-side fields (user value table). */
void mv_push_index_handler(lua_State *L);
/* Pops a setters table and a methods table (pushed in that order), pushes the __newindex closure: setter(self, value), else a Lua-side
   field in the user value table if `allow_fields`, else an error. Assigning to a method name is an error. */
void mv_push_newindex_handler(lua_State *L, int allow_fields);

/* ---- Raising operations, run under lua_pcall (status returned, result or error value pushed) ---- */
/* tostring(value at idx), honouring __tostring and __name. */
int mv_protected_tostring(lua_State *L, int idx);
/* Array of the keys of the table at idx that are not integers in 1..rawlen (needs lua_next, which may raise). */
int mv_protected_extra_keys(lua_State *L, int idx);

/* ---- Ctrl-C ---- */
#define MV_SIGINT_FLAG_ONLY 0 /* only set the flag; blocking system calls return EINTR (line reading, waitpid) */
#define MV_SIGINT_STOP_LUA 1  /* set the flag and a hook raising "interrupted!" in the attached state's Lua code;
                                 a second Ctrl-C before the first was handled kills the process */
#define MV_SIGINT_STOP_LUA_KEEP_PROCESS 2 /* as MV_SIGINT_STOP_LUA, but a second Ctrl-C only says the first is pending
                                             (the REPL: its session must survive an impatient user; Ctrl-\ quits) */
/* Installs the SIGINT handler in the given mode, attached to L (may be NULL). */
void mindvis_interrupt_install(lua_State *L, int mode);
/* Forgets L if it is the attached state (call before lua_close). */
void mindvis_interrupt_detach(lua_State *L);
/* Whether Ctrl-C was pressed and not yet handled: long Swift loops poll this. */
int mindvis_interrupt_requested(void);
/* How many times Ctrl-C has stopped Lua code ("interrupted!" raised by the hook) since start-up. */
unsigned mindvis_interrupts_raised(void);
/* Marks the interrupt as handled: clears the flag and removes the interrupt hook. */
void mindvis_interrupt_clear(void);

#endif
