import sys


def main(argv=None):
    print("plumbline: not implemented yet", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
