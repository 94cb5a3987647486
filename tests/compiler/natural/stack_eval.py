# RPN evaluator: tokens >= 0 are numbers; negative codes are ops
ADD, SUB, MUL, DUP, SWAP = -1, -2, -3, -4, -5

def rpn(tokens):
    stack = []
    for t in tokens:
        if t >= 0:
            stack.append(t)
        elif t == DUP:
            stack.append(stack[-1])
        elif t == SWAP:
            stack[-1], stack[-2] = stack[-2], stack[-1]
        else:
            b = stack.pop()
            a = stack.pop()
            if t == ADD:
                stack.append(a + b)
            elif t == SUB:
                stack.append(a - b)
            elif t == MUL:
                stack.append(a * b)
    return stack

def main(tokens: list[int]) -> list[int]:
    return rpn(tokens)
