"""Assembly programs used by the VM tests, each with a Python oracle for its output."""

from __future__ import annotations

SUM_TO_N = """
; sum 1..n with a counted loop
.inputs 1
.outputs 1
.stack 8
    lda 0, @in+0          ; n
    movi 1, 0             ; acc
    movi 2, 1             ; i
loop:
    lt 3, 0, 2            ; n < i ?
    bz 3, body
    jmp done
body:
    add 1, 1, 2
    addi 2, 2, 1
    jmp loop
done:
    sta 1, @out+0
    halt
"""


def sum_to_n(n: int) -> list[int]:
    return [n * (n + 1) // 2]


NESTED_CALLS = """
; f(x) = g(x) + g(x + 1) + 1 with g(x) = x * x; main outputs f(x) and f(f(x) mod 7)
; frames: callee args at fp+0.., return value at fp-3, saved fp at fp-2, return pc at fp-1
.inputs 1
.outputs 2
.stack 64
    lda 0, @in+0
    add 11, 0, 0          ; arg of f at new frame offset 0 (fp + 11): x + x - x
    sub 11, 11, 0
    call 10, 9, f         ; new fp = fp + 11
    add 1, 8, 8           ; return value at fp + 8
    sub 1, 1, 8
    sta 1, @out+0
    movi 2, 7
    mod 11, 1, 2
    call 10, 9, f
    sta 8, @out+1
    halt
f:                        ; x at fp+0; locals 1..3
    add 14, 0, 0
    sub 14, 14, 0         ; arg of g
    call 13, 12, g        ; g frame at fp + 14; result at fp + 11
    add 1, 11, 11
    sub 1, 1, 11
    addi 14, 0, 1
    call 13, 12, g
    add 1, 1, 11
    addi 1, 1, 1
    add -3, 1, 1          ; return value
    sub -3, -3, 1
    ret -1, -2
g:
    mul -3, 0, 0
    ret -1, -2
"""


def nested_calls(x: int) -> list[int]:
    f = lambda v: v * v + (v + 1) * (v + 1) + 1  # noqa: E731
    return [f(x), f(f(x) % 7)]


LIST_SUM = """
; sum a list stored as [length, v0, v1, ...] in the data region, through a pointer
.data 6, 3, -1, 4, -1, 5, -9
.outputs 1
.stack 8
    movi 0, @data+0       ; pointer to the list
    ld 1, 0, 0            ; length
    movi 2, 0             ; acc
    movi 3, 0             ; i
loop:
    lt 4, 3, 1
    bz 4, done
    add 5, 0, 3
    ld 6, 5, 1            ; element i at pointer + 1 + i
    add 2, 2, 6
    addi 3, 3, 1
    jmp loop
done:
    sta 2, @out+0
    halt
"""


def list_sum() -> list[int]:
    return [3 - 1 + 4 - 1 + 5 - 9]


MATVEC_MAC = """
; y = W x for a 3 x 4 constant matrix W (rows in the data region), x the private input
.data 1, 2, 3, 4, -5, 6, -7, 8, 9, 10, 11, -12
.inputs 4
.outputs 3
.stack 16
    movi 0, @in+0         ; pointer to x
    movi 1, @data+0       ; pointer to row 0
    movi 2, 0
    mac 2, 1, 0, 4
    sta 2, @out+0
    addi 1, 1, 4
    movi 2, 0
    mac 2, 1, 0, 4
    sta 2, @out+1
    addi 1, 1, 4
    movi 2, 0
    mac 2, 1, 0, 4
    sta 2, @out+2
    halt
"""

MATVEC_W = [[1, 2, 3, 4], [-5, 6, -7, 8], [9, 10, 11, -12]]


def matvec(x: list[int]) -> list[int]:
    return [sum(w * v for w, v in zip(row, x)) for row in MATVEC_W]


ARGMAX = """
; index of the largest of 5 private inputs (first one on ties)
.inputs 5
.outputs 1
.stack 16
    lda 0, @in+0          ; best value
    movi 1, 0             ; best index
    movi 2, 1             ; i
    movi 3, 5             ; n
loop:
    lt 4, 2, 3
    bz 4, done
    addi 5, 2, @in+0      ; address of x[i]
    ld 6, 5, 0
    lt 7, 0, 6            ; best < x[i] ?
    bz 7, next
    add 0, 6, 6
    sub 0, 0, 6
    add 1, 2, 2
    sub 1, 1, 2
next:
    addi 2, 2, 1
    jmp loop
done:
    sta 1, @out+0
    halt
"""


def argmax(x: list[int]) -> list[int]:
    return [max(range(len(x)), key=lambda i: (x[i], -i))]
