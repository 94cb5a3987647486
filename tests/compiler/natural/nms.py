def area(b):
    x1, y1, x2, y2 = b
    return max(0, x2 - x1) * max(0, y2 - y1)

def iou_x100(a, b):
    ix1, iy1 = max(a[0], b[0]), max(a[1], b[1])
    ix2, iy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, ix2 - ix1) * max(0, iy2 - iy1)
    union = area(a) + area(b) - inter
    return inter * 100 // union if union else 0

def nms(boxes, scores, thresh=50):
    order = sorted(range(len(boxes)), key=lambda i: scores[i], reverse=True)
    keep = []
    while order:
        i = order.pop(0)
        keep.append(i)
        order = [j for j in order if iou_x100(boxes[i], boxes[j]) < thresh]
    return keep

def main(boxes: list[list[int]], scores: list[int], thresh: int) -> list[int]:
    return nms(boxes, scores, thresh=thresh)
