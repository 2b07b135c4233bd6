#ifndef MINDVIS_CEDIT_SHIM_H
#define MINDVIS_CEDIT_SHIM_H
/* libedit's native API (histedit.h). `el_set`, `el_get` and `history` are variadic, which Swift cannot call,
   so every use MindLua needs gets a fixed-signature inline wrapper here. */
#include <stdio.h>
#include <histedit.h>

typedef char *(*mv_el_prompt_fn)(EditLine *);
typedef unsigned char (*mv_el_command_fn)(EditLine *, int);

static inline int mv_el_set_prompt(EditLine *el, mv_el_prompt_fn fn) { return el_set(el, EL_PROMPT, fn); }
static inline int mv_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int mv_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int mv_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *mv_el_get_clientdata(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int mv_el_add_command(EditLine *el, const char *name, const char *help, mv_el_command_fn fn) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int mv_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, (const char *)NULL);
}

static inline int mv_history_set_size(History *h, int size) { HistEvent ev; return history(h, &ev, H_SETSIZE, size); }
static inline int mv_history_set_unique(History *h, int unique) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, unique); }
static inline int mv_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
static inline int mv_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int mv_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }

#endif
