from photoclip.cli.main import main

raise SystemExit(main())
