#include "LuaShim.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ==== State ==== */

/* Lua's allocator contract lets an allocation fail, after which Lua raises a memory error: a longjmp that could
   cross Swift frames. Aborting with a message instead makes every `m` API function non-raising. */
static void *aborting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    void *grown = realloc(ptr, nsize);
    if (grown == NULL) {
        double gib = (double)nsize / (1024.0 * 1024.0 * 1024.0);
        fprintf(stderr, "mindvis: out of memory: the Lua interpreter could not allocate %.1f GiB (%zu bytes)\n", gib, nsize);
        fflush(stderr);
        abort();
    }
    return grown;
}

/* Reached only if an error is raised outside any protected call, which the boundary rules exclude. */
static int panic_handler(lua_State *L) {
    const char *message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "error object is not a string";
    fprintf(stderr, "mindvis: PANIC: unprotected error in call to Lua API (%s)\n", message);
    fflush(stderr);
    abort();
}

/* Warnings as lua(1) handles them: off by default, "@on"/"@off" switch, pieces of one warning are joined. */
static void warn_off(void *ud, const char *message, int continued);
static void warn_on(void *ud, const char *message, int continued);
static void warn_continue(void *ud, const char *message, int continued);

static int handled_warning_control(lua_State *L, const char *message, int continued) {
    if (continued || message[0] != '@') return 0;
    if (strcmp(message, "@off") == 0) lua_setwarnf(L, warn_off, L);
    else if (strcmp(message, "@on") == 0) lua_setwarnf(L, warn_on, L);
    return 1; /* unknown control messages are ignored */
}

static void warn_off(void *ud, const char *message, int continued) {
    handled_warning_control((lua_State *)ud, message, continued);
}

static void warn_continue(void *ud, const char *message, int continued) {
    lua_State *L = (lua_State *)ud;
    fputs(message, stderr);
    if (continued) {
        lua_setwarnf(L, warn_continue, L);
    } else {
        fputs("\n", stderr);
        fflush(stderr);
        lua_setwarnf(L, warn_on, L);
    }
}

static void warn_on(void *ud, const char *message, int continued) {
    if (handled_warning_control((lua_State *)ud, message, continued)) return;
    fputs("Lua warning: ", stderr);
    warn_continue(ud, message, continued);
}

/* Registry keys: the addresses of these objects are unique light userdata. */
static const char function_box_metatable_key = 'F';
static const char mindlua_metatable_marker = 'M';

static int release_userdata_quietly(lua_State *L);
static int close_userdata_quietly(lua_State *L);
static const char *type_name_of(lua_State *L, int idx);

/* t[name] = value on top (popped), without metamethods: these run from Swift, outside any protected call. */
static void raw_set_field(lua_State *L, int table, const char *name) {
    table = lua_absindex(L, table);
    lua_pushstring(L, name);
    lua_insert(L, -2);
    lua_rawset(L, table);
}

lua_State *mv_newstate(void) {
    lua_State *L = lua_newstate(aborting_alloc, NULL);
    if (L == NULL) return NULL;
    lua_atpanic(L, panic_handler);
    lua_setwarnf(L, warn_off, L);
    /* Metatable of the userdata that keeps a Swift closure alive as the upvalue of its Lua function. */
    lua_createtable(L, 0, 4);
    mv_prepare_metatable(L, -1);
    lua_pushstring(L, "mindvis.function");
    raw_set_field(L, -2, "__name");
    lua_pushboolean(L, 0);
    raw_set_field(L, -2, "__metatable");
    lua_rawsetp(L, LUA_REGISTRYINDEX, &function_box_metatable_key);
    return L;
}

static int open_libraries(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}

int mv_openlibs(lua_State *L) {
    lua_pushcfunction(L, open_libraries);
    return lua_pcall(L, 0, 0, 0);
}

const char *mv_lua_release(void) { return LUA_RELEASE; }

/* ==== Errors ==== */

/* Registry keys of the traceback recorded by the message handler and of the error value it belongs to. */
static const char traceback_key = 'T';
static const char traceback_value_key = 'V';

/* Records the traceback beside the error and returns the error value unchanged: Lua code that catches errors
   raised while the handler is active (load() reading through a function, pcall inside the script) must see the
   value it raised, as under lua(1)'s handler, which only appends to strings. The runner reads the traceback back
   with mv_take_traceback. */
static int message_handler(lua_State *L) {
    lua_settop(L, 1);
    luaL_traceback(L, L, NULL, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushvalue(L, 1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_value_key);
    return 1;
}

void mv_take_traceback(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_value_key);
    int same = lua_rawequal(L, -1, idx);
    lua_pop(L, 1);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &traceback_key);
    if (!same || lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_key);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &traceback_value_key);
}

void mv_push_message_handler(lua_State *L) { lua_pushcfunction(L, message_handler); }

/* ==== Swift functions ==== */

static mv_dispatch_fn swift_dispatch = NULL;
static mv_release_fn swift_release = NULL;

void mv_install_swift_callbacks(mv_dispatch_fn dispatch, mv_release_fn release) {
    swift_dispatch = dispatch;
    swift_release = release;
}

/* "chunk:line: " of the Lua code that called the running C function, like luaL_where(L, 1), but also looking one
   level further when the caller is itself a C function (pcall(f, ...), a setter run by __newindex). */
static void push_caller_position(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; level <= 2; level++) {
        if (!lua_getstack(L, level, &ar)) break;
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/* The only place a Swift function's error becomes a Lua error: the Swift frame has returned by now, so the
   longjmp of lua_error crosses C and Lua frames only. */
static int trampoline(lua_State *L) {
    void *box = NULL;
    int upvalue = lua_upvalueindex(1);
    /* debug.setupvalue could swap the upvalue for another userdata; only trust our own box type. */
    if (lua_getmetatable(L, upvalue)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &function_box_metatable_key);
        if (lua_rawequal(L, -1, -2)) box = mv_userdata_object(L, upvalue);
        lua_pop(L, 2);
    }
    if (box == NULL) return luaL_error(L, "mindvis: this Swift function binding is no longer available");
    int results = swift_dispatch(L, box);
    if (results >= 0) return results;
    if (results == MV_RAISE_WITH_POSITION && lua_type(L, -1) == LUA_TSTRING) {
        push_caller_position(L);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

void mv_push_swift_function(lua_State *L, void *retained) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = retained;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &function_box_metatable_key);
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, trampoline, 1);
}

void *mv_swift_function_box(lua_State *L, int idx) {
    if (lua_tocfunction(L, idx) != trampoline) return NULL;
    if (lua_getupvalue(L, idx, 1) == NULL) return NULL;
    void *box = NULL;
    if (lua_type(L, -1) == LUA_TUSERDATA && lua_getmetatable(L, -1)) {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &function_box_metatable_key);
        if (lua_rawequal(L, -1, -2)) box = *(void **)lua_touserdata(L, -3);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    return box;
}

/* ==== Userdata ==== */

/* Whether the value at idx is a block created by MindLua (8 bytes, metatable carrying our marker). */
static int is_mindlua_userdata(lua_State *L, int idx) {
    if (lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) != sizeof(void *)) return 0;
    if (!lua_getmetatable(L, idx)) return 0;
    int marked = lua_rawgetp(L, -1, &mindlua_metatable_marker) == LUA_TBOOLEAN;
    lua_pop(L, 2);
    return marked;
}

/* Nulls the slot before releasing, so a finalized, closed or freed object is never released twice and later
   uses see NULL ("attempt to use a freed ..."). */
static void release_slot(lua_State *L, int idx) {
    void **slot = (void **)lua_touserdata(L, idx);
    void *object = *slot;
    if (object != NULL) {
        *slot = NULL;
        swift_release(object);
    }
}

static int release_userdata_quietly(lua_State *L) { /* __gc: never raise */
    if (is_mindlua_userdata(L, 1)) release_slot(L, 1);
    return 0;
}

static int is_module_part(lua_State *L, int idx) {
    int marked = lua_getiuservalue(L, idx, 2) == LUA_TBOOLEAN;
    lua_pop(L, 1);
    return marked;
}

void mv_mark_module_part(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushboolean(L, 1);
    lua_setiuservalue(L, idx, 2);
}

static int close_userdata_quietly(lua_State *L) { /* __close: never raise; a module's part stays with the module */
    if (is_mindlua_userdata(L, 1) && !is_module_part(L, 1)) release_slot(L, 1);
    return 0;
}

int mv_free_userdata(lua_State *L) {
    if (!is_mindlua_userdata(L, 1)) {
        return luaL_error(L, "free: expected a MindVis object as self (use ':' to call methods), got %s",
                          luaL_typename(L, 1));
    }
    if (is_module_part(L, 1)) {
        return luaL_error(L, "free: this %s is part of a module (a parameter, buffer or submodule) and lives as long as "
                          "the module; free the module instead", type_name_of(L, 1));
    }
    release_slot(L, 1);
    return 0;
}

void mv_prepare_metatable(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushboolean(L, 1);
    lua_rawsetp(L, idx, &mindlua_metatable_marker);
    lua_pushcfunction(L, release_userdata_quietly);
    raw_set_field(L, idx, "__gc");
    lua_pushcfunction(L, close_userdata_quietly);
    raw_set_field(L, idx, "__close");
}

void mv_push_object(lua_State *L, void *retained, int metatable_ref) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 2);
    *slot = retained;
    lua_rawgeti(L, LUA_REGISTRYINDEX, metatable_ref);
    lua_setmetatable(L, -2);
}

static const char *type_name_of(lua_State *L, int idx) {
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) return lua_tostring(L, -1);
    return luaL_typename(L, idx);
}

static int index_handler(lua_State *L) { /* (object, key) */
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1; /* method */
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) { /* property getter(self) */
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        return 1;
    }
    lua_settop(L, 2);
    if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) { /* Lua-side field */
        lua_pushvalue(L, 2);
        lua_rawget(L, -2);
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

void mv_push_index_handler(lua_State *L) { lua_pushcclosure(L, index_handler, 2); }

static int newindex_handler(lua_State *L) { /* (object, key, value) */
    lua_settop(L, 3);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) { /* setter(self, value) */
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 3);
        lua_call(L, 2, 0);
        return 0;
    }
    lua_settop(L, 3);
    const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : luaL_typename(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) {
        return luaL_error(L, "cannot assign to method '%s' of %s", key, type_name_of(L, 1));
    }
    lua_settop(L, 3);
    if (!lua_toboolean(L, lua_upvalueindex(3))) {
        return luaL_error(L, "%s has no settable field '%s'", type_name_of(L, 1), key);
    }
    if (lua_getiuservalue(L, 1, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 0, 4);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, 1, 1);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, 3);
    lua_rawset(L, -3); /* raises for a nil or NaN key, like any table */
    return 0;
}

void mv_push_newindex_handler(lua_State *L, int allow_fields) {
    lua_pushboolean(L, allow_fields);
    lua_pushcclosure(L, newindex_handler, 3);
}

/* ==== Protected helpers ==== */

static int tostring_helper(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int mv_protected_tostring(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, tostring_helper);
    lua_pushvalue(L, idx);
    return lua_pcall(L, 1, 1, 0);
}

static int extra_keys_helper(lua_State *L) {
    lua_Integer length = (lua_Integer)lua_rawlen(L, 1);
    lua_Integer count = 0;
    lua_settop(L, 1);
    lua_createtable(L, 0, 0);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        int in_sequence = 0;
        if (lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            in_sequence = k >= 1 && k <= length;
        }
        if (!in_sequence) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, 2, ++count);
        }
    }
    return 1;
}

int mv_protected_extra_keys(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, extra_keys_helper);
    lua_pushvalue(L, idx);
    return lua_pcall(L, 1, 1, 0);
}

/* ==== Ctrl-C ==== */

static atomic_int interrupt_flag;
/* How many times the hook has raised "interrupted!": Swift tells a Ctrl-C inside a Lua callback from an error of
   the callback's own by whether this changed during the call. */
static atomic_uint interrupts_raised;
static lua_State *_Atomic interrupt_state;
static volatile sig_atomic_t interrupt_mode;

/* Runs in Lua code, like lua.c's `lstop`: the only way a signal can stop a running chunk safely. */
static void interrupt_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    atomic_store(&interrupt_flag, 0);
    atomic_fetch_add(&interrupts_raised, 1);
    luaL_error(L, "interrupted!");
}

/* When the pending interrupt arrived (CLOCK_MONOTONIC nanoseconds). */
static _Atomic int64_t interrupt_time;

/* A second SIGINT this soon after the first is the same Ctrl-C delivered twice, not a user insisting: timeout(1) and
   kill -INT -- -PID signal the process and then its group, and a double kill would lose a training run's checkpoint. */
#define SAME_INTERRUPT_NANOSECONDS 200000000LL

static int64_t monotonic_nanoseconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now); /* async-signal-safe */
    return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

static void sigint_handler(int signal_number) {
    if (interrupt_mode == MV_SIGINT_STOP_LUA || interrupt_mode == MV_SIGINT_STOP_LUA_KEEP_PROCESS) {
        int64_t now = monotonic_nanoseconds();
        if (atomic_exchange(&interrupt_flag, 1)) {
            if (now - atomic_load(&interrupt_time) < SAME_INTERRUPT_NANOSECONDS) return;
            if (interrupt_mode == MV_SIGINT_STOP_LUA_KEEP_PROCESS) {
                static const char pending[] = "\n(interrupt pending: the running operation stops when it next checks; Ctrl-\\ quits)\n";
                ssize_t written = write(STDERR_FILENO, pending, sizeof pending - 1); /* async-signal-safe */
                (void)written;
                return;
            }
            /* Still pending: something is stuck outside Lua and does not poll. Let the default action kill us. */
            signal(signal_number, SIG_DFL);
            raise(signal_number);
            return;
        }
        atomic_store(&interrupt_time, now);
        lua_State *L = atomic_load(&interrupt_state);
        if (L != NULL) lua_sethook(L, interrupt_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    } else {
        atomic_store(&interrupt_flag, 1);
    }
}

void mindvis_interrupt_install(lua_State *L, int mode) {
    atomic_store(&interrupt_state, L);
    interrupt_mode = mode;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = sigint_handler;
    sigemptyset(&action.sa_mask);
    /* Without SA_RESTART a blocking read() returns EINTR, which is how Ctrl-C reaches the line reader. */
    action.sa_flags = mode == MV_SIGINT_FLAG_ONLY ? 0 : SA_RESTART;
    sigaction(SIGINT, &action, NULL);
}

void mindvis_interrupt_detach(lua_State *L) {
    lua_State *expected = L;
    atomic_compare_exchange_strong(&interrupt_state, &expected, NULL);
}

int mindvis_interrupt_requested(void) { return atomic_load(&interrupt_flag); }

unsigned mindvis_interrupts_raised(void) { return atomic_load(&interrupts_raised); }

void mindvis_interrupt_clear(void) {
    atomic_store(&interrupt_flag, 0);
    lua_State *L = atomic_load(&interrupt_state);
    if (L != NULL && lua_gethook(L) == interrupt_hook) lua_sethook(L, NULL, 0, 0);
}
