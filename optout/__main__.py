from .cli import main

# Guarded: worker processes started with "spawn" (optout serve's PDF workers) import this module as __mp_main__.
if __name__ == "__main__":
    main()
