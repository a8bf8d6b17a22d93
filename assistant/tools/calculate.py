import ast
import math
import operator

from assistant.errors import ToolError
from assistant.tools.context import ToolContext
from assistant.tools.registry import tool

ALLOWED = set("0123456789+-*/(). ")
BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
          ast.FloorDiv: operator.floordiv, ast.Pow: operator.pow}
UNARY = {ast.UAdd: operator.pos, ast.USub: operator.neg}
MAX_CHARS = 500
MAX_BITS = 1024
"""No intermediate result may need more bits than a float can hold: exact integer powers are otherwise unbounded."""


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return UNARY[type(node.op)](_evaluate(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > 1000 or (
                abs(left) > 1 and right > 0 and right * math.log2(abs(left)) > MAX_BITS)):
            raise ToolError("exponent too large")
        result = BINARY[type(node.op)](left, right)
        if isinstance(result, int) and result.bit_length() > MAX_BITS:
            raise ToolError("result too large")
        return result
    raise ToolError("unsupported expression")


@tool("generic")
def calculate(ctx: ToolContext, expression: str) -> str:
    """Calculate an arithmetic expression; the result is rounded to 2 decimals.

    Args:
        expression: Numbers, parentheses and the operators + - * /, such as '(49.99 - 12.5) * 2'.
    """
    if not set(expression) <= ALLOWED:
        raise ToolError("Invalid characters in expression")
    if len(expression) > MAX_CHARS:
        raise ToolError(f"expression too long (at most {MAX_CHARS} characters)")
    try:
        return str(round(float(_evaluate(ast.parse(expression, filename="<string>", mode="eval"))), 2))
    except (SyntaxError, ZeroDivisionError, OverflowError) as exc:
        raise ToolError(str(exc)) from exc
    except (RecursionError, MemoryError) as exc:
        raise ToolError("expression too deeply nested") from exc
