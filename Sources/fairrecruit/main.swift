import FairRecruitCLI

FairRecruitCommand.main()
