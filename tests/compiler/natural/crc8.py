"""CRC-8 (polynomial 0x07) of a byte string, bitwise and with a 256-entry table."""

POLY = 0x07


def crc8_byte(crc):
    for _ in range(8):
        if crc & 0x80:
            crc = ((crc << 1) ^ POLY) & 0xFF
        else:
            crc = (crc << 1) & 0xFF
    return crc


def crc8_slow(data, init=0):
    crc = init
    for b in data:
        crc = crc8_byte(crc ^ b)
    return crc


def crc8_fast(data, table, init=0):
    crc = init
    for b in data:
        crc = table[crc ^ b]
    return crc


def main(data: list[int]) -> list[int]:
    for b in data:
        assert 0 <= b < 256
    table = [crc8_byte(i) for i in range(256)]
    return [crc8_slow(data), crc8_fast(data, table), crc8_fast(data, table, init=0xFF), table[1], table[255]]
