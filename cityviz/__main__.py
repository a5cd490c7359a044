from cityviz.cli import main

raise SystemExit(main())
